package dev.slipway.platform.schedule;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** A task run on a daemon thread of its own, every so often, until closed. */
public final class Periodic implements AutoCloseable {

  private final ScheduledExecutorService timer;

  private Periodic(ScheduledExecutorService timer) {
    this.timer = timer;
  }

  /** Runs {@code task} every {@code every} (the first time after one interval) on {@code name}. */
  public static Periodic every(String name, Duration every, Runnable task) {
    ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, name);
              t.setDaemon(true);
              return t;
            });
    long millis = every.toMillis();
    timer.scheduleWithFixedDelay(task, millis, millis, TimeUnit.MILLISECONDS);
    return new Periodic(timer);
  }

  /** Stops it; a run in progress is interrupted. */
  @Override
  public void close() {
    timer.shutdownNow();
  }
}
