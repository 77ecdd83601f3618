package dev.slipway.worker.runner;

import dev.slipway.common.events.CommandAbortRequested;
import dev.slipway.common.events.CommandFinished;
import dev.slipway.common.events.CommandRequested;
import dev.slipway.common.platform.Platform;
import dev.slipway.common.status.LeaseStatus;
import dev.slipway.platform.artifact.Artifact;
import dev.slipway.platform.command.CommandRepository;
import dev.slipway.platform.command.StoredOutput;
import dev.slipway.platform.faults.DatabaseProbe;
import dev.slipway.platform.faults.Failures;
import dev.slipway.platform.lease.LeaseRepository;
import dev.slipway.platform.persistence.AfterCommit;
import dev.slipway.platform.secrets.BuildSecrets;
import dev.slipway.worker.artifact.ArtifactStoreFailure;
import dev.slipway.worker.artifact.ArtifactTransfers;
import dev.slipway.worker.hosts.HostDirectory;
import dev.slipway.worker.hosts.OutputStreamer;
import dev.slipway.worker.process.WorkerProcess;
import dev.slipway.worker.ssh.DetachedCommands;
import dev.slipway.worker.ssh.ExecResult;
import dev.slipway.worker.ssh.HostConnection;
import dev.slipway.worker.ssh.SshFailure;
import dev.slipway.worker.ssh.TransferRefused;
import dev.slipway.worker.ssh.WindowsCommands;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * The runner role: claims a requested command (so that it starts once), runs it on its host as the
 * coordinator's row of it says (never as the event that names it says) on a thread of its own,
 * streams its output and reports how it ended. On POSIX hosts the command outlives this process
 * ({@link DetachedCommands}); {@link CommandSupervisor} hands a command whose runner died to
 * another runner, which re-attaches through {@link #resume}. On Windows hosts the command ends with
 * its channel ({@link WindowsCommands}: a timeout or an abort kills its process tree), and a
 * command whose runner died is reported lost ({@link #LOST_ON_WINDOWS}).
 */
@ApplicationScoped
public class CommandRunner {

  private static final Logger LOG = Logger.getLogger(CommandRunner.class);

  /** How many runners in turn may take a command over before it ends with an error. */
  static final int MAX_ATTEMPTS = 10;

  /** Why a command on a Windows host whose runner stopped while following it ends. */
  static final String LOST_ON_WINDOWS =
      "lost: the runner that followed it stopped, and a command on a Windows host can be neither"
          + " re-attached nor safely started again (it may have run)";

  @Inject CommandRepository commandRepository;
  @Inject TransactionSynchronizationRegistry transactions;
  @Inject DetachedCommands detached;
  @Inject WindowsCommands windows;
  @Inject HostDirectory hosts;
  @Inject StoredOutput storedOutput;
  @Inject CommandReports reports;
  @Inject LeaseRepository leaseRepository;
  @Inject BuildSecrets buildSecrets;
  @Inject StoredCommands commands;
  @Inject ArtifactTransfers artifacts;

  @Inject DatabaseProbe database;

  private final Set<String> abortRequested = ConcurrentHashMap.newKeySet();
  private final Set<String> following = ConcurrentHashMap.newKeySet();
  private final ExecutorService executor = WorkerProcess.daemonThreads("command");
  private volatile boolean stopping;

  /**
   * Claims the command that {@code event} names in the caller's transaction and runs it, as its row
   * says ({@link StoredCommands}), once that commits; an event that names no command or disagrees
   * with its row runs nothing and is dead-lettered. A command whose lease is no longer active
   * (released, expired) finishes with an error without running. The lease is read with a share
   * lock, so that a release waits for this claim: cleaning a released working copy then sees the
   * command running and waits for it.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public void accept(CommandRequested event) {
    CommandRequested request = commands.verified(event);
    Optional<LeaseStatus> lease =
        leaseRepository
            .findByIdOptional(request.leaseId(), LockModeType.PESSIMISTIC_READ)
            .map(l -> l.status);
    if (lease.isEmpty() || !lease.get().isCommandable()) {
      String status = lease.map(LeaseStatus::wireName).orElse("gone");
      reports.refuse(
          request, "lease " + request.leaseId() + " is " + status + ": the command never ran");
      return;
    }
    if (!commandRepository.claim(request.commandId(), WorkerProcess.ID)) {
      LOG.infof("command %s already claimed or aborted; not started", request.commandId());
      return;
    }
    Instant startedAt = Instant.now();
    AfterCommit.run(transactions, () -> follow(request, startedAt, false));
  }

  /**
   * Follows a command another runner started (this runner has just claimed it), as its row says.
   */
  void resume(CommandRequested request, Instant startedAt, int attempts) {
    if (attempts > MAX_ATTEMPTS) {
      following.add(request.commandId());
      executor.execute(() -> abandon(request, startedAt, attempts));
      return;
    }
    follow(request, startedAt, true);
  }

  /**
   * Ends a command that runner after runner gave up (each time the database seemed away, or the
   * process stopped) with an error, rather than handing it on for ever.
   */
  private void abandon(CommandRequested request, Instant startedAt, int attempts) {
    try {
      long[] from = storedEnds(request.commandId());
      OutputStreamer output =
          new OutputStreamer(
              reports.producer(), request.commandId(), request.buildId(), from[0], from[1]);
      String why =
          "given up: " + (attempts - 1) + " runners in turn could not follow it to its end";
      output.note("slipway: " + why + "\n");
      reports.report(
          request, startedAt, CommandReports.Ending.failed(why, null), output, () -> stopping);
    } catch (RuntimeException e) {
      LOG.warnf("command %s: could not be given up yet: %s", request.commandId(), e.toString());
    } finally {
      following.remove(request.commandId());
    }
  }

  /**
   * The commands this runner follows: {@link CommandSupervisor} renews their heartbeats, and only
   * theirs, so that a command whose thread ended without a result is taken over by another runner.
   */
  Set<String> following() {
    return Set.copyOf(following);
  }

  private void follow(CommandRequested request, Instant startedAt, boolean resumed) {
    following.add(request.commandId());
    try {
      executor.execute(() -> run(request, startedAt, resumed));
    } catch (RuntimeException e) { // the executor is shut down: the process is stopping
      following.remove(request.commandId());
      throw e;
    }
  }

  /**
   * Records an abort of the command in the caller's transaction; once that commits, the runner that
   * follows the command kills it (at once if it is this one, else within a second).
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public void abort(CommandAbortRequested abort) {
    if (reports.recordAbort(abort)) {
      AfterCommit.run(transactions, () -> abortRequested.add(abort.commandId()));
    }
  }

  private void run(CommandRequested request, Instant startedAt, boolean resumed) {
    try {
      runAndReport(request, startedAt, resumed);
    } finally {
      following.remove(request.commandId());
      abortRequested.remove(request.commandId());
    }
  }

  private void runAndReport(CommandRequested request, Instant startedAt, boolean resumed) {
    OutputStreamer output = null;
    HostConnection host = null;
    KeyPair key = null;
    CommandReports.Ending ending;
    boolean spooled = true; // a command run on a POSIX host leaves a spool there
    try {
      long[] from = resumed ? storedEnds(request.commandId()) : new long[] {0, 0};
      output =
          new OutputStreamer(
              reports.producer(), request.commandId(), request.buildId(), from[0], from[1]);
      HostDirectory.Login login = hosts.login(request.resourceId());
      host = login.host();
      key = login.keyPair();
      Optional<StoredCommands.Transfer> transfer = commands.transfer(request.commandId());
      if (transfer.isPresent()) {
        spooled = false;
        output.redact(login.secrets());
        ending = copy(request, startedAt, transfer.get(), host, key, output);
      } else if (resumed && !isPosix(host)) {
        // its first runner may have started it: it must not run twice, and cannot be re-attached
        output.note("slipway: " + LOST_ON_WINDOWS + "\n");
        ending = CommandReports.Ending.failed(LOST_ON_WINDOWS, null);
      } else {
        ending = runOnHost(request, startedAt, host, key, login, output, from, resumed);
      }
    } catch (SshFailure e) {
      // the host's failure, unless the process stops or the database is away (a host key that
      // could not be pinned, a row not read while connecting)
      if (stopping || !database.answers()) {
        giveUp(request, e);
        return;
      }
      spooled = false; // kept: the command may still run there, to be killed or re-attached
      LOG.warnf("command %s failed: %s", request.commandId(), e.getMessage());
      output.note("slipway: " + e.getMessage() + "\n");
      ending = CommandReports.Ending.failed(e.getMessage(), e.kind());
    } catch (Throwable e) {
      // anything (a StackOverflowError too): the command must still end, or nobody hears of it
      if (notTheCommands(e)) {
        giveUp(request, e);
        return;
      }
      LOG.errorf(e, "command %s failed unexpectedly", request.commandId());
      ending = CommandReports.Ending.failed("runner error: " + e, null);
      if (output == null) {
        output =
            new OutputStreamer(reports.producer(), request.commandId(), request.buildId(), 0, 0);
      }
    }
    Optional<CommandFinished> result =
        reports.report(request, startedAt, ending, output, () -> stopping);
    if (result.isPresent()
        && spooled
        && host != null
        && key != null
        && isPosix(host)) { // every ended command's spool goes, an error's too
      try {
        detached.remove(host, key, request.commandId());
      } catch (SshFailure e) {
        LOG.infof("spool of command %s left on %s: %s", request.commandId(), host.describe(), e);
      }
    }
  }

  /**
   * Whether {@code failure} says nothing about the command: the process is stopping, or the
   * database (or the broker) is away — a host key could not be pinned, a row not read. Such a
   * failure is never reported as the command's result.
   */
  private boolean notTheCommands(Throwable failure) {
    // Failures.isTransient counts only the database's and the broker's failures, never a host's
    return stopping || Failures.isTransient(failure) || !database.answers();
  }

  /**
   * Stops following the command without a result: its heartbeat stops, and a runner takes it over
   * and re-attaches (or starts it, if it never started) once the outage is over.
   */
  private static void giveUp(CommandRequested request, Throwable failure) {
    LOG.warnf(
        "command %s: giving it up for another runner to re-attach (not the command's failure): %s",
        request.commandId(), failure.toString());
  }

  /**
   * How many bytes of each stream of the command are stored already (where a re-attach resumes).
   */
  private long[] storedEnds(String commandId) {
    return QuarkusTransaction.requiringNew()
        .call(
            () ->
                new long[] {
                  storedOutput.end(commandId, "stdout"), storedOutput.end(commandId, "stderr")
                });
  }

  /** Runs the command on its host, with the build secrets it takes, and follows it to its end. */
  private CommandReports.Ending runOnHost(
      CommandRequested request,
      Instant startedAt,
      HostConnection host,
      KeyPair key,
      HostDirectory.Login login,
      OutputStreamer output,
      long[] from,
      boolean resumed)
      throws SshFailure {
    BuildSecrets.Resolved secrets =
        buildSecrets.values(commands.secretEnvironment(request.commandId()));
    List<String> masked = new ArrayList<>(login.secrets());
    masked.addAll(secrets.values().values());
    output.redact(masked);
    if (secrets.missing() != null && !resumed) {
      return CommandReports.Ending.failed(
          "secret '" + secrets.missing() + "' does not exist: the command never ran", null);
    }
    if (!secrets.values().isEmpty() && !isPosix(host)) {
      return CommandReports.Ending.failed(
          "build secrets are not supported on windows hosts yet: the command never ran", null);
    }
    ExecResult result =
        execute(request, startedAt, host, key, output, from, resumed, exports(secrets.values()));
    if (result.lost() != null) {
      output.note("slipway: " + result.lost() + "\n");
    }
    return CommandReports.Ending.of(result);
  }

  /**
   * Copies an artifact between the command's working directory and the store (again from the start
   * when the command is resumed: a copy leaves nothing half-done behind, as the store's writes are
   * atomic, a download renames each file into place and a directory's tar is the same bytes every
   * time). The copy stops when the command is aborted (ending {@code aborted}) or passes its
   * timeout, counted from {@code startedAt} (ending {@code timed-out}), as a command on the host
   * does.
   */
  private CommandReports.Ending copy(
      CommandRequested request,
      Instant startedAt,
      StoredCommands.Transfer transfer,
      HostConnection host,
      KeyPair key,
      OutputStreamer output)
      throws SshFailure {
    String base = request.workingDirectory();
    Instant deadline = startedAt.plusSeconds(request.timeoutSeconds());
    String[] stopped = new String[1]; // the outcome, once the copy is to stop
    BooleanSupplier stop =
        () -> {
          if (stopped[0] == null) {
            if (abortRequested.contains(request.commandId()) || reports.abortRecorded(request)) {
              stopped[0] = CommandFinished.ABORTED;
            } else if (!Instant.now().isBefore(deadline)) {
              stopped[0] = CommandFinished.TIMED_OUT;
            }
          }
          return stopped[0] != null;
        };
    try {
      if (StoredCommands.Transfer.UPLOAD.equals(transfer.action())) {
        Artifact stored =
            artifacts.upload(
                host,
                key,
                base,
                transfer.path(),
                request.buildId(),
                request.step(),
                transfer.artifact(),
                stop);
        output.note(
            "slipway: uploaded "
                + transfer.path()
                + " as artifact "
                + stored.name
                + " ("
                + stored.kind
                + ", "
                + stored.sizeBytes
                + " bytes, sha256 "
                + stored.sha256
                + ")\n");
      } else {
        output.note(
            "slipway: "
                + artifacts.download(
                    host, key, base, request.buildId(), transfer.artifact(), transfer.path(), stop)
                + "\n");
      }
      return CommandReports.Ending.passed();
    } catch (TransferRefused | ArtifactStoreFailure e) {
      if (stopped[0] != null) {
        String why =
            CommandFinished.ABORTED.equals(stopped[0])
                ? "artifact copy aborted"
                : "artifact copy passed its timeout of " + request.timeoutSeconds() + " s";
        output.note("slipway: " + why + " (" + e.getMessage() + ")\n");
        return new CommandReports.Ending(stopped[0], null, null, why, null);
      }
      output.note("slipway: " + e.getMessage() + "\n");
      return CommandReports.Ending.failed(e.getMessage(), null);
    }
  }

  private ExecResult execute(
      CommandRequested request,
      Instant startedAt,
      HostConnection host,
      KeyPair key,
      OutputStreamer output,
      long[] from,
      boolean resumed,
      String secretExports)
      throws SshFailure {
    Duration timeout = Duration.ofSeconds(request.timeoutSeconds());
    BooleanSupplier aborted =
        () -> abortRequested.contains(request.commandId()) || reports.abortRecorded(request);
    if (!isPosix(host)) {
      // PowerShell hosts: the command streams through its channel and ends with it (no re-attach);
      // a timeout or an abort kills its process tree
      return windows.run(
          host,
          key,
          request.commandId(),
          request.workingDirectory(),
          request.environment(),
          request.command(),
          timeout,
          output.stream("stdout"),
          output.stream("stderr"),
          aborted);
    }
    String script =
        Platform.of(host.platform())
            .shell()
            .script(request.workingDirectory(), request.environment(), request.command());
    return detached.run(
        host,
        key,
        resumed
            ? DetachedCommands.Spec.again(
                    request.commandId(), script, startedAt, timeout, from[0], from[1])
                .withSecretExports(secretExports) // used if the first runner never started it
            : DetachedCommands.Spec.first(request.commandId(), script, startedAt, timeout)
                .withSecretExports(secretExports),
        output::write,
        aborted);
  }

  /** {@code export NAME='value'} lines for a POSIX shell; null when there is nothing to export. */
  private static String exports(Map<String, String> values) {
    if (values.isEmpty()) {
      return null;
    }
    StringBuilder lines = new StringBuilder();
    values.forEach(
        (name, value) ->
            lines
                .append("export ")
                .append(name)
                .append('=')
                .append(Platform.LINUX.shell().quote(value))
                .append('\n'));
    return lines.toString();
  }

  private static boolean isPosix(HostConnection host) {
    return Platform.of(host.platform()) != Platform.WINDOWS;
  }

  void stop(@Observes ShutdownEvent event) {
    stopping = true;
    executor.shutdownNow();
  }
}
