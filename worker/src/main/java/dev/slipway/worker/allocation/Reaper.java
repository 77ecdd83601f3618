package dev.slipway.worker.allocation;

import dev.slipway.platform.lease.LeaseRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The allocator's clock: fails leases whose wait timed out and releases leases whose owner stopped
 * heartbeating. These are deadlines, so they are checked on a timer ({@code
 * slipway.allocator.reaper-interval}); serving waiting leases never is.
 */
@ApplicationScoped
public class Reaper {

  private static final Logger LOG = Logger.getLogger(Reaper.class);
  private static final int BATCH = 100;

  @Inject Allocator allocator;
  @Inject LeaseRepository leases;
  @Inject AllocatorConfig config;

  @ConfigProperty(name = "slipway.worker.allocator.enabled")
  boolean allocatorRole;

  private ScheduledExecutorService timer;

  void start(@Observes StartupEvent event) {
    if (!allocatorRole) {
      return;
    }
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "lease-reaper");
              t.setDaemon(true);
              return t;
            });
    long every = config.reaperInterval().toMillis();
    timer.scheduleWithFixedDelay(this::reap, every, every, TimeUnit.MILLISECONDS);
  }

  void stop(@Observes ShutdownEvent event) {
    if (timer != null) {
      timer.shutdownNow();
    }
  }

  void reap() {
    try {
      List<String> timedOut =
          QuarkusTransaction.requiringNew()
              .call(() -> leases.timedOut(config.defaultWaitTimeout().toMillis(), BATCH));
      for (String id : timedOut) {
        QuarkusTransaction.requiringNew().call(() -> allocator.timeOut(id));
      }
      List<String> expired = QuarkusTransaction.requiringNew().call(() -> leases.expired(BATCH));
      for (String id : expired) {
        QuarkusTransaction.requiringNew()
            .run(
                () -> {
                  Optional<String> freed = allocator.expire(id);
                  freed.ifPresent(allocator::drain);
                });
      }
    } catch (RuntimeException e) {
      LOG.warnf("reaping leases failed, trying again next round: %s", e.toString());
    }
  }
}
