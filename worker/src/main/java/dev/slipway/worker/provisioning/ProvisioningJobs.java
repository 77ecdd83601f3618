package dev.slipway.worker.provisioning;

import dev.slipway.platform.persistence.AfterCommit;
import dev.slipway.platform.persistence.DatabaseClock;
import dev.slipway.platform.resource.Resource;
import dev.slipway.platform.schedule.Periodic;
import dev.slipway.worker.process.ClaimedJobs;
import dev.slipway.worker.process.WorkerProcess;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.util.List;
import java.util.concurrent.ExecutorService;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Runs the slow part of dynamic hosts on threads of its own, outside any transaction: making a host
 * ({@link HostProvisioning#provision}) and destroying one ({@link HostProvisioning#destroy}). Each
 * job is claimed by the host's {@code busy_since}/{@code busy_by}, which this worker renews while
 * it works; a host whose worker died (its claim went stale), or whose destroy failed, is claimed by
 * another allocator's next round: a host being made is then destroyed by its token (what that
 * provisioning made is never left running), one being destroyed is destroyed again (destroy is
 * idempotent).
 */
@ApplicationScoped
public class ProvisioningJobs {

  private static final Logger LOG = Logger.getLogger(ProvisioningJobs.class);
  private static final int BATCH = 20;

  @Inject TransactionSynchronizationRegistry transactions;
  @Inject DynamicHostRepository hosts;
  @Inject HostProvisioning provisioning;
  @Inject ProvisioningConfig config;
  @Inject DatabaseClock clock;

  @ConfigProperty(name = "slipway.worker.allocator.enabled")
  boolean allocatorRole;

  private final ExecutorService executor = WorkerProcess.daemonThreads("provisioning");
  private final ClaimedJobs busy = new ClaimedJobs(executor, "provisioning job");
  private Periodic timer;
  private volatile boolean stopping;

  void start(@Observes StartupEvent event) {
    if (allocatorRole) {
      timer = Periodic.every("host-claims", config.heartbeatInterval(), this::tend);
    }
  }

  void stop(@Observes ShutdownEvent event) {
    stopping = true; // jobs in flight settle nothing more: their claims go stale and are taken up
    if (timer != null) {
      timer.close();
    }
    executor.shutdownNow(); // scripts running are killed (HostScripts): nothing runs unclaimed
  }

  /** Whether this worker is stopping. */
  boolean stopping() {
    return stopping;
  }

  /** Claims the making or destroying of {@code host} for this worker (caller's transaction). */
  void claim(Resource host) {
    host.busySince = clock.now(); // compared with the database's clock when others look for stale
    // claims
    host.busyBy = WorkerProcess.ID;
  }

  /** Makes pending host {@code id} once the caller's transaction commits. */
  void provisionAfterCommit(String id) {
    AfterCommit.run(transactions, () -> busy.submit(id, () -> provisioning.provision(id)));
  }

  /** Destroys released or broken host {@code id} once the caller's transaction commits. */
  void destroyAfterCommit(String id) {
    AfterCommit.run(transactions, () -> busy.submit(id, () -> provisioning.destroy(id)));
  }

  /** Renews this worker's claims and takes up the hosts that need a worker and have none. */
  void tend() {
    try {
      QuarkusTransaction.requiringNew().run(() -> hosts.renew(WorkerProcess.ID, busy.ids()));
      List<String> orphans =
          QuarkusTransaction.requiringNew()
              .call(
                  () ->
                      hosts.claimOrphans(
                          WorkerProcess.ID,
                          config.heartbeatInterval().multipliedBy(3),
                          config.destroyRetry(),
                          BATCH));
      for (String id : orphans) {
        LOG.infof("taking up host %s, which had no worker", id);
        busy.submit(id, () -> provisioning.takeUp(id));
      }
    } catch (RuntimeException e) {
      LOG.warnf("renewing host claims failed, trying again next round: %s", e.toString());
    }
  }
}
