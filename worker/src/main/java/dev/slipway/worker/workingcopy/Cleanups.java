package dev.slipway.worker.workingcopy;

import dev.slipway.common.status.ResourceStatus;
import dev.slipway.platform.resource.Resource;
import dev.slipway.platform.resource.ResourceRepository;
import dev.slipway.platform.resource.Resources;
import dev.slipway.worker.hosts.HostDirectory;
import dev.slipway.worker.process.WorkerProcess;
import dev.slipway.worker.ssh.ExecResult;
import dev.slipway.worker.ssh.SshConnections;
import dev.slipway.worker.ssh.SshFailure;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import java.io.OutputStream;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Cleaning a released working copy (after the commands still running in it are gone), then giving
 * its slot back, and deleting an evicted or broken copy from its host, then marking it destroyed.
 * Runs under this worker's claim on the copy ({@link WorkingCopyJobs}); settles nothing once the
 * claim is lost.
 */
@ApplicationScoped
public class Cleanups {

  private static final Logger LOG = Logger.getLogger(Cleanups.class);

  @Inject WorkingCopyJobs jobs;
  @Inject ResourceRepository resourceRepository;
  @Inject Resources resources;
  @Inject WorkingCopyRepository copies;
  @Inject HostDirectory hosts;
  @Inject SshConnections ssh;
  @Inject WorkingCopyConfig config;

  private record Work(
      String copyId, String path, String repository, String hostId, String lastLease) {}

  private Work work(String copyId, Set<ResourceStatus> statuses) {
    Resource copy = resourceRepository.findById(copyId);
    if (copy == null
        || !statuses.contains(copy.status)
        || copy.busySince == null
        || !WorkerProcess.ID.equals(copy.busyBy)) {
      return null; // done, or another worker holds the claim now
    }
    return new Work(
        copy.id,
        copy.path,
        copy.attributes.get("repository"),
        copy.hostId,
        copies.lastLeaseOf(copyId).orElse(null));
  }

  void clean(String copyId) {
    Work work =
        QuarkusTransaction.requiringNew().call(() -> work(copyId, Set.of(ResourceStatus.ACTIVE)));
    if (work == null) {
      return;
    }
    boolean commandsGone = awaitCommandsGone(work.lastLease());
    if (jobs.stopping()) {
      return; // the claim goes stale and another worker takes the cleaning over
    }
    if (!commandsGone) {
      breakAndRemove(
          copyId,
          "a command of lease "
              + work.lastLease()
              + " was still running "
              + config.commandsGoneTimeout().toSeconds()
              + "s after the lease ended: the copy is deleted, never reused");
      return;
    }
    OutputTail err = new OutputTail(null);
    Optional<Integer> ran =
        run(work, GitScripts.clean(work.path(), work.repository()), err, "cleaning");
    if (ran.isEmpty()) {
      return;
    }
    Integer exit = ran.get();
    if (exit == null || exit != 0) {
      breakAndRemove(copyId, "cleaning failed: " + OutputTail.lastLine(err.text()));
      return;
    }
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              if (lockIfHeld(copyId) != null) {
                copies.giveBack(copyId);
                resources.retryAllocation(
                    Resource.TYPE_WORKING_COPY, "working copy " + copyId + " is clean");
              }
            });
  }

  /** Active copy {@code copyId}, locked, if this worker still holds its claim; else null. */
  private Resource lockIfHeld(String copyId) {
    Resource copy = resourceRepository.findById(copyId, LockModeType.PESSIMISTIC_WRITE);
    boolean held = copy.status == ResourceStatus.ACTIVE && WorkerProcess.ID.equals(copy.busyBy);
    return held ? copy : null; // else another worker took it over meanwhile
  }

  /** Breaks active copy {@code copyId} (if this worker still holds it) and deletes it. */
  private void breakAndRemove(String copyId, String reason) {
    boolean broken =
        QuarkusTransaction.requiringNew()
            .call(
                () -> {
                  Resource copy = lockIfHeld(copyId);
                  if (copy == null) {
                    return false;
                  }
                  jobs.claim(copy);
                  resources.move(copy, ResourceStatus.BROKEN, reason);
                  return true;
                });
    if (broken) {
      remove(copyId); // this thread holds the copy's claim: delete it now
    }
  }

  void remove(String copyId) {
    Work work =
        QuarkusTransaction.requiringNew()
            .call(() -> work(copyId, Set.of(ResourceStatus.RELEASED, ResourceStatus.BROKEN)));
    if (work == null) {
      return;
    }
    OutputTail err = new OutputTail(null);
    Optional<Integer> ran = run(work, GitScripts.remove(work.path()), err, "deleting");
    if (ran.isEmpty()) {
      return;
    }
    Integer exit = ran.get();
    if (exit == null || exit != 0) {
      LOG.warnf("deleting working copy %s failed; trying again later: %s", copyId, err.text());
      return;
    }
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              Resource copy = resourceRepository.findById(copyId, LockModeType.PESSIMISTIC_WRITE);
              if ((copy.status == ResourceStatus.RELEASED || copy.status == ResourceStatus.BROKEN)
                  && WorkerProcess.ID.equals(copy.busyBy)) {
                copy.busySince = null;
                copy.busyBy = null;
                resources.move(copy, ResourceStatus.DESTROYED, "deleted from " + work.path());
              }
            });
  }

  /**
   * Waits until no command runs for {@code leaseId} (an aborted one is being killed).
   *
   * @return false when one still runs after {@code commands-gone-timeout}
   */
  private boolean awaitCommandsGone(String leaseId) {
    if (leaseId == null) {
      return true;
    }
    long deadline = System.nanoTime() + config.commandsGoneTimeout().toNanos();
    while (QuarkusTransaction.requiringNew().call(() -> copies.commandsRunning(leaseId))) {
      if (System.nanoTime() >= deadline) {
        return false;
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  /**
   * Runs {@code script} on the copy's host: its exit status (null when it had none), or empty when
   * the host could not run it or this worker is stopping (the claim then goes stale and the job is
   * taken up again).
   */
  private Optional<Integer> run(Work work, String script, OutputStream err, String doing) {
    try {
      HostDirectory.Login login = hosts.login(work.hostId());
      ExecResult result =
          ssh.exec(
              login.host(),
              login.keyPair(),
              script,
              config.gitTimeout(),
              OutputStream.nullOutputStream(),
              err);
      return jobs.stopping() ? Optional.empty() : Optional.of(result.exitCode());
    } catch (SshFailure e) {
      LOG.warnf(
          "%s working copy %s failed; trying again later: %s",
          doing, work.copyId(), e.getMessage());
      return Optional.empty();
    }
  }
}
