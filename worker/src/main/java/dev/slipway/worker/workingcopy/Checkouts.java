package dev.slipway.worker.workingcopy;

import dev.slipway.common.events.CommandOutput;
import dev.slipway.common.status.LeaseStatus;
import dev.slipway.common.status.ResourceStatus;
import dev.slipway.platform.command.StoredOutput;
import dev.slipway.platform.lease.Lease;
import dev.slipway.platform.lease.LeaseRepository;
import dev.slipway.platform.lease.Leases;
import dev.slipway.platform.messaging.EventProducer;
import dev.slipway.platform.resource.Resource;
import dev.slipway.platform.resource.ResourceRepository;
import dev.slipway.platform.resource.Resources;
import dev.slipway.worker.allocation.Allocator;
import dev.slipway.worker.hosts.HostDirectory;
import dev.slipway.worker.hosts.OutputStreamer;
import dev.slipway.worker.process.WorkerProcess;
import dev.slipway.worker.ssh.ExecResult;
import dev.slipway.worker.ssh.SshConnections;
import dev.slipway.worker.ssh.SshFailure;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Checking out the copy of an acquired working-copy lease over SSH, outside any transaction, then
 * activating the lease (HEAD verified) or breaking it with the reason; a copy that git finds broken
 * is replaced once by a fresh one, and a checkout whose connection to the host dropped is tried
 * again into a fresh copy for up to {@link #RECONNECT_FOR} (meanwhile a host that does not answer,
 * its SSH server restarting, is waited for too). Runs under this worker's claim on the lease
 * ({@link WorkingCopyJobs}); settles nothing once the claim is lost.
 */
@ApplicationScoped
public class Checkouts {

  private static final Logger LOG = Logger.getLogger(Checkouts.class);
  private static final Pattern HEAD = Pattern.compile("(?m)^slipway: HEAD ([0-9a-f]{40,64})$");
  private static final Pattern SIZE = Pattern.compile("(?m)^slipway: size (\\d+) KiB$");

  /**
   * How long a checkout is tried again while the connection to its host keeps dropping, as a runner
   * keeps following a command; after that the lease is broken.
   */
  static final Duration RECONNECT_FOR = Duration.ofSeconds(60);

  /** The wait between two tries after a lost connection. */
  private static final Duration RECONNECT_PAUSE = Duration.ofSeconds(1);

  @Inject WorkingCopyJobs jobs;
  @Inject LeaseRepository leaseRepository;
  @Inject Leases leases;
  @Inject ResourceRepository resourceRepository;
  @Inject Resources resources;
  @Inject WorkingCopyBlueprint blueprint;
  @Inject Allocator allocator;
  @Inject HostDirectory hosts;
  @Inject SshConnections ssh;
  @Inject EventProducer producer;
  @Inject StoredOutput storedOutput;
  @Inject WorkingCopyConfig config;
  @Inject RepositoryCredentials repositoryCredentials;

  /**
   * What a checkout needs, read in one transaction: the lease, its copy and host, how to log in
   * there, the repository's credential, where the lease's log goes on.
   */
  private record Checkout(
      String leaseId,
      String owner,
      String logId,
      long stdoutFrom,
      long stderrFrom,
      String repository,
      String ref,
      String copyId,
      String copyPath,
      String root,
      String mirror,
      HostDirectory.Reach host,
      Optional<RepositoryCredentials.Secret> secret) {
    @Override
    public String toString() {
      return "Checkout[" + leaseId + " of " + repository + " at " + ref + "]";
    }
  }

  private enum Result {
    CHECKED_OUT,
    UNKNOWN_REF,
    REPOSITORY_FAILED,
    GIT_FAILED,
    HOST_FAILED,
    /** The SSH connection dropped mid-checkout (the host stalled, a network blip): tried again. */
    CONNECTION_LOST,
    /**
     * The host did not answer: it breaks the lease, unless a connection to it was lost during this
     * checkout, as its SSH server may be starting again: then the same copy is tried again (nothing
     * ran on the host), within {@link #RECONNECT_FOR} of the first lost connection.
     */
    UNREACHABLE
  }

  private record Outcome(Result result, String head, Long sizeBytes, String message) {}

  void prepare(String leaseId) {
    boolean mayReplace = true;
    Instant lostSince = null;
    while (true) {
      Checkout job = QuarkusTransaction.requiringNew().call(() -> checkoutOf(leaseId));
      if (job == null) {
        return; // no longer acquired: activated, broken or released meanwhile
      }
      Outcome outcome = checkout(job);
      if (jobs.stopping()) {
        return; // this worker is stopping: its claim goes stale and another takes the job over
      }
      boolean replace = mayReplace;
      boolean retry = false;
      boolean lost =
          outcome.result() == Result.CONNECTION_LOST
              || (outcome.result() == Result.UNREACHABLE && lostSince != null);
      if (lost) {
        lostSince = lostSince == null ? Instant.now() : lostSince;
        retry = Duration.between(lostSince, Instant.now()).compareTo(RECONNECT_FOR) < 0;
      }
      boolean mayRetry = retry;
      boolean again =
          QuarkusTransaction.requiringNew()
              .call(() -> settle(leaseId, job, outcome, replace, mayRetry));
      if (!again) {
        return;
      }
      if (lost) {
        pause();
      } else {
        mayReplace = false;
      }
    }
  }

  /** A short wait before checking out again after a lost connection; none once stopping. */
  private void pause() {
    try {
      for (int i = 0; i < 10 && !jobs.stopping(); i++) {
        Thread.sleep(RECONNECT_PAUSE.toMillis() / 10);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Checkout checkoutOf(String leaseId) {
    Lease lease = leaseRepository.findById(leaseId);
    if (lease == null
        || lease.status != LeaseStatus.ACQUIRED
        || !WorkerProcess.ID.equals(lease.preparingBy)) {
      return null; // settled, or another worker holds the claim now
    }
    Resource copy = resourceRepository.findById(lease.resourceId);
    Resource host = resourceRepository.findById(copy.hostId);
    return new Checkout(
        lease.id,
        lease.owner,
        lease.logId,
        lease.logId == null ? 0 : storedOutput.end(lease.logId, CommandOutput.STDOUT),
        lease.logId == null ? 0 : storedOutput.end(lease.logId, CommandOutput.STDERR),
        lease.repository,
        lease.ref,
        copy.id,
        copy.path,
        blueprint.root(host),
        blueprint.mirror(host, lease.repository),
        hosts.reach(host),
        repositoryCredentials.of(lease.repository));
  }

  private Outcome checkout(Checkout job) {
    OutputStreamer log = null;
    if (job.logId() != null) {
      log =
          new OutputStreamer(
              producer, job.logId(), job.owner(), job.stdoutFrom(), job.stderrFrom());
    }
    OutputTail out = new OutputTail(log == null ? null : log.stream(CommandOutput.STDOUT));
    OutputTail err = new OutputTail(log == null ? null : log.stream(CommandOutput.STDERR));
    Optional<RepositoryCredentials.Secret> secret = job.secret();
    GitScripts.Access access =
        secret.map(s -> repositoryCredentials.access(job.root(), s)).orElse(null);
    Outcome outcome;
    HostDirectory.Login login = null;
    boolean ended = false; // the script ran to its end, deleting the credential it wrote
    try {
      login = hosts.login(job.host());
      if (log != null) {
        List<String> masked = new ArrayList<>(login.secrets());
        secret.ifPresent(s -> masked.add(s.value()));
        log.redact(masked);
      }
      String script =
          GitScripts.checkout(job.mirror(), job.copyPath(), job.repository(), job.ref(), access);
      byte[] input = secret.map(RepositoryCredentials::input).orElse(null);
      ExecResult result =
          ssh.exec(login.host(), login.keyPair(), script, input, config.gitTimeout(), out, err);
      // 128 + n: killed by signal n, its trap may not have run (or a login shell reported it)
      ended = result.exitCode() != null && result.exitCode() < 128;
      outcome = outcome(result, out.text(), err.text());
    } catch (SshFailure e) {
      Result result =
          switch (e.kind()) {
            case CONNECTION_LOST -> Result.CONNECTION_LOST;
            case UNREACHABLE -> Result.UNREACHABLE;
            default -> Result.HOST_FAILED;
          };
      outcome = new Outcome(result, null, null, e.getMessage());
    } finally {
      if (access != null && login != null && !ended) {
        repositoryCredentials.forget(login.host(), login.keyPair(), access);
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
    String why = OutputTail.lastLine(err);
    if (exit != null && exit == GitScripts.UNKNOWN_REF) {
      return new Outcome(Result.UNKNOWN_REF, null, null, why);
    }
    if (exit != null && exit == GitScripts.REPOSITORY_UNREACHABLE) {
      return new Outcome(
          Result.REPOSITORY_FAILED, null, null, why + ": " + OutputTail.lastLineBefore(err));
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
  private boolean settle(
      String leaseId, Checkout job, Outcome outcome, boolean mayReplace, boolean mayRetry) {
    Lease lease = leaseRepository.lock(leaseId).orElseThrow();
    if (lease.status != LeaseStatus.ACQUIRED
        || !job.copyId().equals(lease.resourceId)
        || !WorkerProcess.ID.equals(lease.preparingBy)) {
      LOG.infof("lease %s is no longer this worker's to settle", leaseId);
      return false; // another worker took it over (this one was thought dead), or settled it
    }
    Resource copy = resourceRepository.findById(job.copyId());
    switch (outcome.result()) {
      case CHECKED_OUT -> {
        activateCopy(copy, outcome.sizeBytes());
        lease.commit = outcome.head();
        lease.preparingSince = null;
        lease.preparingBy = null;
        leases.activate(lease, blueprint.commandTarget(lease));
        if (lease.releaseReason != null) {
          allocator.release(lease.id, lease.releaseReason);
        }
        return false;
      }
      case UNKNOWN_REF, REPOSITORY_FAILED -> {
        activateCopy(copy, null); // the copy is sound: the ref or the repository is the problem
        breakLease(lease, outcome.message());
        jobs.claim(copy);
        jobs.cleanAfterCommit(copy.id);
        return false;
      }
      case GIT_FAILED -> {
        jobs.claim(copy);
        resources.move(copy, ResourceStatus.BROKEN, outcome.message());
        jobs.removeAfterCommit(copy.id);
        if (mayReplace) { // a fresh clone too: it may have been cut short by a dead worker
          Resource host = resourceRepository.findById(job.host().host().resourceId());
          lease.resourceId = blueprint.newCopy(host, lease.repository);
          jobs.claim(lease);
          LOG.infof(
              "lease %s: copy %s broke (%s); checking out a fresh one",
              leaseId, copy.id, outcome.message());
          return true;
        }
        breakLease(lease, "checkout failed: " + outcome.message());
        return false;
      }
      case CONNECTION_LOST, UNREACHABLE, HOST_FAILED -> {
        if (outcome.result() == Result.UNREACHABLE && mayRetry) {
          // nothing ran on the host this time: the same copy is tried again
          jobs.claim(lease);
          LOG.infof("lease %s: %s; trying the checkout again", leaseId, outcome.message());
          return true;
        }
        if (copy.status == ResourceStatus.PENDING) {
          jobs.claim(copy);
          resources.move(copy, ResourceStatus.BROKEN, "never made: " + outcome.message());
          jobs.removeAfterCommit(copy.id);
        } else {
          jobs.claim(copy); // cleaned before it serves again: git may still be running in it
          jobs.cleanAfterCommit(copy.id);
        }
        if (outcome.result() == Result.CONNECTION_LOST && mayRetry) {
          // as a runner reconnects to a command: the host may answer again in a moment; git may
          // still run in the copy it lost, so the next try takes a fresh one
          Resource host = resourceRepository.findById(job.host().host().resourceId());
          lease.resourceId = blueprint.newCopy(host, lease.repository);
          jobs.claim(lease);
          LOG.infof(
              "lease %s: %s during the checkout; checking out again into a fresh copy",
              leaseId, outcome.message());
          return true;
        }
        breakLease(lease, outcome.message());
        return false;
      }
      default -> throw new IllegalStateException("unknown outcome " + outcome.result());
    }
  }

  /**
   * Makes a new copy active; records the size measured when it was cloned ({@code measuredBytes},
   * null when not cloned), announcing a change of an active copy's size.
   */
  private void activateCopy(Resource copy, Long measuredBytes) {
    boolean resized = measuredBytes != null && !measuredBytes.equals(copy.sizeBytes);
    if (measuredBytes != null) {
      copy.sizeBytes = measuredBytes;
    }
    if (copy.status == ResourceStatus.PENDING) {
      resources.move(copy, ResourceStatus.ACTIVE, null);
    } else if (resized) {
      resources.edited(copy); // cloned anew in place: its directory had gone
    }
  }

  private void breakLease(Lease lease, String reason) {
    lease.preparingSince = null;
    lease.preparingBy = null;
    leases.move(lease, LeaseStatus.BROKEN, reason);
    blueprint.releaseHostLease(lease, "its working copy could not be made: " + reason);
  }
}
