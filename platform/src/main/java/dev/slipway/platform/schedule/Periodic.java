package dev.slipway.platform.schedule;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/** A task run on a daemon thread of its own, every so often, until closed. */
public final class Periodic implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(Periodic.class);

  private final ScheduledExecutorService timer;

  private Periodic(ScheduledExecutorService timer) {
    this.timer = timer;
  }

  /**
   * Runs {@code task} every {@code every} (the first time after one interval) on {@code name}. A
   * run that throws is logged and the next runs still happen (an executor would stop them).
   */
  public static Periodic every(String name, Duration every, Runnable task) {
    ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, name);
              t.setDaemon(true);
              return t;
            });
    long millis = every.toMillis();
    Runnable guarded =
        () -> {
          try {
            task.run();
          } catch (RuntimeException | Error e) {
            LOG.warnf(e, "%s failed; it runs again in %d ms", name, millis);
          }
        };
    timer.scheduleWithFixedDelay(guarded, millis, millis, TimeUnit.MILLISECONDS);
    return new Periodic(timer);
  }

  /** Stops it; a run in progress is interrupted. */
  @Override
  public void close() {
    timer.shutdownNow();
  }
}
