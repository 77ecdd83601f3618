package dev.slipway.worker.workingcopy;

import dev.slipway.common.status.ResourceStatus;
import dev.slipway.platform.lease.Lease;
import dev.slipway.platform.persistence.AfterCommit;
import dev.slipway.platform.resource.Resource;
import dev.slipway.platform.resource.ResourceRepository;
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
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Runs the slow part of working copies, over SSH outside any transaction, on threads of its own:
 * {@link Checkouts} of acquired leases, and {@link Cleanups} (cleaning released copies, deleting
 * evicted or broken ones). Each job is claimed by a timestamp this worker renews while it works
 * ({@code preparing_since} of the lease, {@code busy_since} of the copy); a claim left stale
 * because its worker died is taken over by another allocator, and every job is safe to run again.
 */
@ApplicationScoped
public class WorkingCopyJobs {

  private static final Logger LOG = Logger.getLogger(WorkingCopyJobs.class);
  private static final int BATCH = 20;

  @Inject TransactionSynchronizationRegistry transactions;
  @Inject ResourceRepository resourceRepository;
  @Inject WorkingCopyRepository copies;
  @Inject WorkingCopyConfig config;
  @Inject Checkouts checkouts;
  @Inject Cleanups cleanups;

  @ConfigProperty(name = "slipway.worker.allocator.enabled")
  boolean allocatorRole;

  private final ExecutorService executor = WorkerProcess.daemonThreads("working-copy");
  private final ClaimedJobs preparing = new ClaimedJobs(executor, "working-copy checkout");
  private final ClaimedJobs busyCopies = new ClaimedJobs(executor, "working-copy cleanup");
  private Periodic timer;
  private volatile boolean stopping;

  /** Whether this worker is stopping: jobs in flight then settle nothing. */
  boolean stopping() {
    return stopping;
  }

  void start(@Observes StartupEvent event) {
    if (allocatorRole) {
      timer = Periodic.every("working-copy-claims", config.heartbeatInterval(), this::tend);
    }
  }

  void stop(@Observes ShutdownEvent event) {
    stopping = true; // jobs in flight settle nothing: their claims go stale and are taken over
    if (timer != null) {
      timer.close();
    }
    executor.shutdown();
  }

  /** Claims the checkout of {@code lease} for this worker (in the caller's transaction). */
  void claim(Lease lease) {
    lease.preparingSince = Instant.now();
    lease.preparingBy = WorkerProcess.ID;
  }

  /** Claims the cleaning or deletion of {@code copy} for this worker. */
  void claim(Resource copy) {
    copy.busySince = Instant.now();
    copy.busyBy = WorkerProcess.ID;
  }

  /**
   * Checks out the copy of acquired lease {@code leaseId} once the caller's transaction commits.
   */
  void prepareAfterCommit(String leaseId) {
    AfterCommit.run(
        transactions, () -> preparing.submit(leaseId, () -> checkouts.prepare(leaseId)));
  }

  /** Cleans released copy {@code copyId} once the caller's transaction commits. */
  void cleanAfterCommit(String copyId) {
    AfterCommit.run(transactions, () -> busyCopies.submit(copyId, () -> cleanups.clean(copyId)));
  }

  /** Deletes evicted or broken copy {@code copyId} once the caller's transaction commits. */
  void removeAfterCommit(String copyId) {
    AfterCommit.run(transactions, () -> busyCopies.submit(copyId, () -> cleanups.remove(copyId)));
  }

  /** Renews this worker's claims and takes over the stale claims of workers that died. */
  void tend() {
    try {
      long stale = config.heartbeatInterval().toMillis() * 3;
      QuarkusTransaction.requiringNew()
          .run(() -> copies.renew(WorkerProcess.ID, preparing.ids(), busyCopies.ids()));
      for (String leaseId :
          QuarkusTransaction.requiringNew()
              .call(() -> copies.claimStalePreparations(WorkerProcess.ID, stale, BATCH))) {
        LOG.infof("taking over the checkout of lease %s", leaseId);
        preparing.submit(leaseId, () -> checkouts.prepare(leaseId));
      }
      for (String copyId :
          QuarkusTransaction.requiringNew()
              .call(() -> copies.claimStaleCopies(WorkerProcess.ID, stale, BATCH))) {
        ResourceStatus status =
            QuarkusTransaction.requiringNew()
                .call(() -> resourceRepository.findById(copyId).status);
        LOG.infof("taking over the cleanup of working copy %s (%s)", copyId, status.wireName());
        busyCopies.submit(
            copyId,
            status == ResourceStatus.ACTIVE
                ? () -> cleanups.clean(copyId)
                : () -> cleanups.remove(copyId));
      }
    } catch (RuntimeException e) {
      LOG.warnf("renewing working-copy claims failed, trying again next round: %s", e.toString());
    }
  }
}
