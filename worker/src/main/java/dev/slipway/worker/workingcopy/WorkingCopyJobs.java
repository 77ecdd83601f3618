package dev.slipway.worker.workingcopy;

import dev.slipway.common.events.CommandOutput;
import dev.slipway.common.status.LeaseStatus;
import dev.slipway.common.status.ResourceStatus;
import dev.slipway.platform.command.StoredOutput;
import dev.slipway.platform.lease.Lease;
import dev.slipway.platform.lease.LeaseRepository;
import dev.slipway.platform.lease.Leases;
import dev.slipway.platform.messaging.EventProducer;
import dev.slipway.platform.persistence.AfterCommit;
import dev.slipway.platform.resource.Resource;
import dev.slipway.platform.resource.ResourceRepository;
import dev.slipway.platform.resource.Resources;
import dev.slipway.platform.schedule.Periodic;
import dev.slipway.worker.allocation.Allocator;
import dev.slipway.worker.hosts.HostDirectory;
import dev.slipway.worker.hosts.OutputStreamer;
import dev.slipway.worker.ssh.ExecResult;
import dev.slipway.worker.ssh.HostConnection;
import dev.slipway.worker.ssh.SshConnections;
import dev.slipway.worker.ssh.SshFailure;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The slow part of working copies, done over SSH outside any transaction: checking out the copy of
 * an acquired lease (then activating or breaking the lease), cleaning a released copy (then giving
 * its slot back), deleting an evicted or broken copy (then marking it destroyed). Each job is
 * claimed by a timestamp this worker renews while it works ({@code preparing_since} of the lease,
 * {@code busy_since} of the copy); a claim left stale because its worker died is taken over by
 * another allocator, and every job is safe to run again.
 */
@ApplicationScoped
public class WorkingCopyJobs {

  private static final Logger LOG = Logger.getLogger(WorkingCopyJobs.class);
  private static final Pattern HEAD = Pattern.compile("(?m)^slipway: HEAD ([0-9a-f]{40,64})$");
  private static final Pattern SIZE = Pattern.compile("(?m)^slipway: size (\\d+) KiB$");
  private static final int TAIL = 4096;
  private static final int BATCH = 20;

  @Inject TransactionSynchronizationRegistry transactions;
  @Inject LeaseRepository leaseRepository;
  @Inject Leases leases;
  @Inject ResourceRepository resourceRepository;
  @Inject Resources resources;
  @Inject WorkingCopyRepository copies;
  @Inject WorkingCopyBlueprint blueprint;
  @Inject Allocator allocator;
  @Inject HostDirectory hosts;
  @Inject SshConnections ssh;
  @Inject EventProducer producer;
  @Inject StoredOutput storedOutput;
  @Inject WorkingCopyConfig config;
  @Inject RepositoryCredentials repositoryCredentials;

  @ConfigProperty(name = "slipway.worker.allocator.enabled")
  boolean allocatorRole;

  /** This worker, as its claims name it. */
  final String workerId =
      ManagementFactory.getRuntimeMXBean().getName() + "-" + Long.toHexString(System.nanoTime());

  private final Set<String> preparing = ConcurrentHashMap.newKeySet();
  private final Set<String> busyCopies = ConcurrentHashMap.newKeySet();
  private final ExecutorService executor =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "working-copy");
            t.setDaemon(true);
            return t;
          });
  private Periodic timer;
  private volatile boolean stopping;

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
    lease.preparingBy = workerId;
  }

  /** Claims the cleaning or deletion of {@code copy} for this worker. */
  void claim(Resource copy) {
    copy.busySince = Instant.now();
    copy.busyBy = workerId;
  }

  /**
   * Checks out the copy of acquired lease {@code leaseId} once the caller's transaction commits.
   */
  void prepareAfterCommit(String leaseId) {
    AfterCommit.run(transactions, () -> submit(preparing, leaseId, () -> prepare(leaseId)));
  }

  /** Cleans released copy {@code copyId} once the caller's transaction commits. */
  void cleanAfterCommit(String copyId) {
    AfterCommit.run(transactions, () -> submit(busyCopies, copyId, () -> clean(copyId)));
  }

  /** Deletes evicted or broken copy {@code copyId} once the caller's transaction commits. */
  void removeAfterCommit(String copyId) {
    AfterCommit.run(transactions, () -> submit(busyCopies, copyId, () -> remove(copyId)));
  }

  private void submit(Set<String> claims, String id, Runnable job) {
    if (!claims.add(id)) {
      return; // this worker is already on it
    }
    executor.execute(
        () -> {
          try {
            job.run();
          } catch (RuntimeException | LinkageError e) {
            LOG.errorf(e, "working-copy job on %s failed; it is taken up again later", id);
          } finally {
            claims.remove(id);
          }
        });
  }

  /** Renews this worker's claims and takes over the stale claims of workers that died. */
  void tend() {
    try {
      long stale = config.heartbeatInterval().toMillis() * 3;
      QuarkusTransaction.requiringNew()
          .run(() -> copies.renew(workerId, List.copyOf(preparing), List.copyOf(busyCopies)));
      for (String leaseId :
          QuarkusTransaction.requiringNew()
              .call(() -> copies.claimStalePreparations(workerId, stale, BATCH))) {
        LOG.infof("taking over the checkout of lease %s", leaseId);
        submit(preparing, leaseId, () -> prepare(leaseId));
      }
      for (String copyId :
          QuarkusTransaction.requiringNew()
              .call(() -> copies.claimStaleCopies(workerId, stale, BATCH))) {
        ResourceStatus status =
            QuarkusTransaction.requiringNew()
                .call(() -> resourceRepository.findById(copyId).status);
        LOG.infof("taking over the cleanup of working copy %s (%s)", copyId, status.wireName());
        submit(
            busyCopies,
            copyId,
            status == ResourceStatus.ACTIVE ? () -> clean(copyId) : () -> remove(copyId));
      }
    } catch (RuntimeException e) {
      LOG.warnf("renewing working-copy claims failed, trying again next round: %s", e.toString());
    }
  }

  // ---- checkout -------------------------------------------------------------------------------

  /** What a checkout needs, read in one transaction. */
  private record Checkout(
      String leaseId,
      String owner,
      String logId,
      String repository,
      String ref,
      String copyId,
      String copyPath,
      String root,
      String mirror,
      String hostId) {}

  private enum Result {
    CHECKED_OUT,
    UNKNOWN_REF,
    REPOSITORY_FAILED,
    GIT_FAILED,
    HOST_FAILED
  }

  private record Outcome(Result result, String head, Long sizeBytes, String message) {}

  private void prepare(String leaseId) {
    boolean mayReplace = true;
    while (true) {
      Checkout job = QuarkusTransaction.requiringNew().call(() -> checkoutOf(leaseId));
      if (job == null) {
        return; // no longer acquired: activated, broken or released meanwhile
      }
      Outcome outcome = checkout(job);
      if (stopping) {
        return; // this worker is stopping: its claim goes stale and another takes the job over
      }
      boolean replace = mayReplace;
      boolean again =
          QuarkusTransaction.requiringNew().call(() -> settle(leaseId, job, outcome, replace));
      if (!again) {
        return;
      }
      mayReplace = false;
    }
  }

  private Checkout checkoutOf(String leaseId) {
    Lease lease = leaseRepository.findById(leaseId);
    if (lease == null
        || lease.status != LeaseStatus.ACQUIRED
        || !workerId.equals(lease.preparingBy)) {
      return null; // settled, or another worker holds the claim now
    }
    Resource copy = resourceRepository.findById(lease.resourceId);
    Resource host = resourceRepository.findById(copy.hostId);
    return new Checkout(
        lease.id,
        lease.owner,
        lease.logId,
        lease.repository,
        lease.ref,
        copy.id,
        copy.path,
        blueprint.root(host),
        blueprint.mirror(host, lease.repository),
        host.id);
  }

  private Outcome checkout(Checkout job) {
    OutputStreamer log = null;
    if (job.logId() != null) {
      long[] from =
          QuarkusTransaction.requiringNew()
              .call(
                  () ->
                      new long[] {
                        storedOutput.end(job.logId(), CommandOutput.STDOUT),
                        storedOutput.end(job.logId(), CommandOutput.STDERR)
                      });
      log = new OutputStreamer(producer, job.logId(), job.owner(), from[0], from[1]);
    }
    Tail out = new Tail(log == null ? null : log.stream(CommandOutput.STDOUT));
    Tail err = new Tail(log == null ? null : log.stream(CommandOutput.STDERR));
    Optional<RepositoryCredentials.Secret> secret = repositoryCredentials.of(job.repository());
    Outcome outcome;
    HostConnection host = null;
    HostDirectory.Login login = null;
    GitScripts.Access access = null;
    try {
      host = hosts.connection(job.hostId());
      login = hosts.login(host);
      if (log != null) {
        List<String> masked = new ArrayList<>(login.secrets());
        secret.ifPresent(s -> masked.add(s.value()));
        log.redact(masked);
      }
      if (secret.isPresent()) {
        access = repositoryCredentials.place(host, login.keyPair(), job.root(), secret.get());
      }
      String script =
          GitScripts.checkout(job.mirror(), job.copyPath(), job.repository(), job.ref(), access);
      ExecResult result = ssh.exec(host, login.keyPair(), script, config.gitTimeout(), out, err);
      outcome = outcome(result, out.text(), err.text());
    } catch (SshFailure e) {
      outcome = new Outcome(Result.HOST_FAILED, null, null, e.getMessage());
    } catch (IOException e) {
      outcome =
          new Outcome(
              Result.HOST_FAILED, null, null, "could not place the repository credential: " + e);
    } finally {
      if (access != null) {
        repositoryCredentials.forget(host, login.keyPair(), access);
      }
    }
    if (log != null) {
      if (outcome.result() != Result.CHECKED_OUT) {
        log.note("slipway: " + outcome.message() + "\n");
      }
      try {
        log.finish();
      } catch (Exception e) {
        LOG.warnf("log of lease %s may be incomplete: %s", job.leaseId(), e.toString());
      }
    }
    return outcome;
  }

  private static Outcome outcome(ExecResult result, String out, String err) {
    if (result.timedOut()) {
      return new Outcome(Result.GIT_FAILED, null, null, "the checkout timed out");
    }
    Integer exit = result.exitCode();
    if (exit != null && exit == 0) {
      Matcher head = HEAD.matcher(out);
      Matcher size = SIZE.matcher(out);
      if (head.find()) {
        Long bytes = size.find() ? Long.parseLong(size.group(1)) * 1024 : null;
        return new Outcome(Result.CHECKED_OUT, head.group(1), bytes, null);
      }
      return new Outcome(Result.GIT_FAILED, null, null, "the checkout did not report HEAD");
    }
    String why = lastLine(err);
    if (exit != null && exit == GitScripts.UNKNOWN_REF) {
      return new Outcome(Result.UNKNOWN_REF, null, null, why);
    }
    if (exit != null && exit == GitScripts.REPOSITORY_UNREACHABLE) {
      return new Outcome(Result.REPOSITORY_FAILED, null, null, why + ": " + lastLineBefore(err));
    }
    return new Outcome(
        Result.GIT_FAILED,
        null,
        null,
        "git failed (exit " + (exit == null ? result.signal() : exit) + "): " + why);
  }

  /**
   * Applies a checkout's outcome to the lease, if it is still acquired.
   *
   * @return whether to check out again (into a fresh copy that replaces a broken one)
   */
  private boolean settle(String leaseId, Checkout job, Outcome outcome, boolean mayReplace) {
    Lease lease = leaseRepository.lock(leaseId).orElseThrow();
    if (lease.status != LeaseStatus.ACQUIRED
        || !job.copyId().equals(lease.resourceId)
        || !workerId.equals(lease.preparingBy)) {
      LOG.infof("lease %s is no longer this worker's to settle", leaseId);
      return false; // another worker took it over (this one was thought dead), or settled it
    }
    Resource copy = resourceRepository.findById(job.copyId());
    switch (outcome.result()) {
      case CHECKED_OUT -> {
        if (outcome.sizeBytes() != null) {
          copy.sizeBytes = outcome.sizeBytes(); // measured when it was cloned
        }
        activateCopy(copy);
        lease.commit = outcome.head();
        lease.preparingSince = null;
        lease.preparingBy = null;
        leases.move(lease, LeaseStatus.ACTIVE, null);
        if (lease.releaseReason != null) {
          allocator.release(lease.id, lease.releaseReason);
        }
        return false;
      }
      case UNKNOWN_REF, REPOSITORY_FAILED -> {
        activateCopy(copy); // the copy is sound: the ref or the repository is the problem
        breakLease(lease, outcome.message());
        claim(copy);
        cleanAfterCommit(copy.id);
        return false;
      }
      case GIT_FAILED -> {
        claim(copy);
        resources.move(copy, ResourceStatus.BROKEN, outcome.message());
        removeAfterCommit(copy.id);
        if (mayReplace) { // a fresh clone too: it may have been cut short by a dead worker
          Resource host = resourceRepository.findById(job.hostId());
          lease.resourceId = blueprint.newCopy(host, lease.repository);
          claim(lease);
          LOG.infof(
              "lease %s: copy %s broke (%s); checking out a fresh one",
              leaseId, copy.id, outcome.message());
          return true;
        }
        breakLease(lease, "checkout failed: " + outcome.message());
        return false;
      }
      case HOST_FAILED -> {
        if (copy.status == ResourceStatus.PENDING) {
          claim(copy);
          resources.move(copy, ResourceStatus.BROKEN, "never made: " + outcome.message());
          removeAfterCommit(copy.id);
        } else {
          claim(copy); // cleaned before it serves again: git may still be running in it
          cleanAfterCommit(copy.id);
        }
        breakLease(lease, outcome.message());
        return false;
      }
      default -> throw new IllegalStateException("unknown outcome " + outcome.result());
    }
  }

  private void activateCopy(Resource copy) {
    if (copy.status == ResourceStatus.PENDING) {
      resources.move(copy, ResourceStatus.ACTIVE, null);
    } else {
      resources.edited(copy); // its size changed
    }
  }

  private void breakLease(Lease lease, String reason) {
    lease.preparingSince = null;
    lease.preparingBy = null;
    leases.move(lease, LeaseStatus.BROKEN, reason);
    blueprint.releaseHostLease(lease, "its working copy could not be made: " + reason);
  }

  // ---- cleaning and deleting ------------------------------------------------------------------

  private record Work(String copyId, String path, String hostId, String lastLease) {}

  private Work work(String copyId, Set<ResourceStatus> statuses) {
    Resource copy = resourceRepository.findById(copyId);
    if (copy == null
        || !statuses.contains(copy.status)
        || copy.busySince == null
        || !workerId.equals(copy.busyBy)) {
      return null; // done, or another worker holds the claim now
    }
    return new Work(copy.id, copy.path, copy.hostId, copies.lastLeaseOf(copyId).orElse(null));
  }

  private void clean(String copyId) {
    Work work =
        QuarkusTransaction.requiringNew().call(() -> work(copyId, Set.of(ResourceStatus.ACTIVE)));
    if (work == null) {
      return;
    }
    awaitCommandsGone(work.lastLease());
    Tail err = new Tail(null);
    Integer exit;
    try {
      exit = run(work.hostId(), GitScripts.clean(work.path()), err);
      if (stopping) {
        return;
      }
    } catch (SshFailure e) {
      LOG.warnf("cleaning working copy %s failed; trying again later: %s", copyId, e.getMessage());
      return;
    }
    boolean broken =
        QuarkusTransaction.requiringNew()
            .call(
                () -> {
                  Resource copy =
                      resourceRepository.findById(copyId, LockModeType.PESSIMISTIC_WRITE);
                  if (copy.status != ResourceStatus.ACTIVE || !workerId.equals(copy.busyBy)) {
                    return false; // another worker took it over meanwhile
                  }
                  if (exit != null && exit == 0) {
                    copies.giveBack(copyId);
                    resources.retryAllocation(
                        Resource.TYPE_WORKING_COPY, "working copy " + copyId + " is clean");
                    return false;
                  }
                  claim(copy);
                  resources.move(
                      copy, ResourceStatus.BROKEN, "cleaning failed: " + lastLine(err.text()));
                  return true;
                });
    if (broken) {
      remove(copyId); // this thread holds the copy's claim: delete it now
    }
  }

  private void remove(String copyId) {
    Work work =
        QuarkusTransaction.requiringNew()
            .call(() -> work(copyId, Set.of(ResourceStatus.RELEASED, ResourceStatus.BROKEN)));
    if (work == null) {
      return;
    }
    Tail err = new Tail(null);
    Integer exit;
    try {
      exit = run(work.hostId(), GitScripts.remove(work.path()), err);
      if (stopping) {
        return;
      }
    } catch (SshFailure e) {
      LOG.warnf("deleting working copy %s failed; trying again later: %s", copyId, e.getMessage());
      return;
    }
    if (exit == null || exit != 0) {
      LOG.warnf("deleting working copy %s failed; trying again later: %s", copyId, err.text());
      return;
    }
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              Resource copy = resourceRepository.findById(copyId, LockModeType.PESSIMISTIC_WRITE);
              if ((copy.status == ResourceStatus.RELEASED || copy.status == ResourceStatus.BROKEN)
                  && workerId.equals(copy.busyBy)) {
                copy.busySince = null;
                copy.busyBy = null;
                resources.move(copy, ResourceStatus.DESTROYED, "deleted from " + work.path());
              }
            });
  }

  /** Waits until no command runs for {@code leaseId} (an aborted one is being killed). */
  private void awaitCommandsGone(String leaseId) {
    if (leaseId == null) {
      return;
    }
    long deadline = System.nanoTime() + config.commandsGoneTimeout().toNanos();
    while (QuarkusTransaction.requiringNew().call(() -> copies.commandsRunning(leaseId))
        && System.nanoTime() < deadline) {
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private Integer run(String hostId, String script, OutputStream err) throws SshFailure {
    HostConnection host = hosts.connection(hostId);
    HostDirectory.Login login = hosts.login(host);
    ExecResult result =
        ssh.exec(
            host,
            login.keyPair(),
            script,
            config.gitTimeout(),
            OutputStream.nullOutputStream(),
            err);
    return result.exitCode();
  }

  /** The line before the last one (git's own message, before Slipway's summary line). */
  private static String lastLineBefore(String text) {
    String[] lines = text.strip().split("\\R");
    return lines.length < 2 ? "no message from git" : lines[lines.length - 2].strip();
  }

  private static String lastLine(String text) {
    String trimmed = text.strip();
    int newline = trimmed.lastIndexOf('\n');
    String last = newline < 0 ? trimmed : trimmed.substring(newline + 1);
    return last.isEmpty() ? "no message" : last;
  }

  /** Passes output on (to the build log, when there is one) and keeps its last few KiB. */
  private static final class Tail extends OutputStream {
    private final OutputStream next;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

    Tail(OutputStream next) {
      this.next = next;
    }

    @Override
    public synchronized void write(int b) throws java.io.IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length)
        throws java.io.IOException {
      if (next != null) {
        next.write(bytes, offset, length);
      }
      kept.write(bytes, offset, length);
      if (kept.size() > 2 * TAIL) {
        byte[] all = kept.toByteArray();
        kept.reset();
        kept.write(all, all.length - TAIL, TAIL);
      }
    }

    synchronized String text() {
      return kept.toString(StandardCharsets.UTF_8);
    }
  }
}
