package dev.slipway.worker.allocation;

import dev.slipway.platform.lease.LeaseRepository;
import dev.slipway.platform.schedule.Periodic;
import dev.slipway.worker.metrics.ReaperActions;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Optional;
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
  @Inject ReaperActions actions;

  @ConfigProperty(name = "slipway.worker.allocator.enabled")
  boolean allocatorRole;

  private Periodic timer;

  void start(@Observes StartupEvent event) {
    if (!allocatorRole) {
      return;
    }
    timer = Periodic.every("lease-reaper", config.reaperInterval(), this::reap);
  }

  void stop(@Observes ShutdownEvent event) {
    if (timer != null) {
      timer.close();
    }
  }

  void reap() {
    try {
      List<String> timedOut =
          QuarkusTransaction.requiringNew()
              .call(() -> leases.timedOut(config.defaultWaitTimeout().toMillis(), BATCH));
      for (String id : timedOut) {
        if (QuarkusTransaction.requiringNew().call(() -> allocator.timeOut(id))) {
          actions.done(ReaperActions.LEASE_WAIT_TIMED_OUT);
        }
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
