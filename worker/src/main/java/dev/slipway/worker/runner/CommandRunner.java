package dev.slipway.worker.runner;

import dev.slipway.common.events.CommandAbortRequested;
import dev.slipway.common.events.CommandFinished;
import dev.slipway.common.events.CommandRequested;
import dev.slipway.common.platform.Platform;
import dev.slipway.common.status.LeaseStatus;
import dev.slipway.platform.command.StoredOutput;
import dev.slipway.platform.lease.LeaseRepository;
import dev.slipway.platform.persistence.AfterCommit;
import dev.slipway.platform.secrets.BuildSecrets;
import dev.slipway.worker.hosts.HostDirectory;
import dev.slipway.worker.hosts.OutputStreamer;
import dev.slipway.worker.process.WorkerProcess;
import dev.slipway.worker.ssh.DetachedCommands;
import dev.slipway.worker.ssh.ExecResult;
import dev.slipway.worker.ssh.HostConnection;
import dev.slipway.worker.ssh.SshConnections;
import dev.slipway.worker.ssh.SshFailure;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
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
import org.jboss.logging.Logger;

/**
 * The runner role: claims a requested command (so that it starts once), runs it on its host as the
 * coordinator's row of it says (never as the event that names it says) on a thread of its own,
 * streams its output and reports how it ended. On POSIX hosts the command outlives this process
 * ({@link DetachedCommands}); {@link CommandSupervisor} hands a command whose runner died to
 * another runner, which re-attaches through {@link #resume}.
 */
@ApplicationScoped
public class CommandRunner {

  private static final Logger LOG = Logger.getLogger(CommandRunner.class);

  @Inject EntityManager entityManager;
  @Inject TransactionSynchronizationRegistry transactions;
  @Inject SshConnections ssh;
  @Inject DetachedCommands detached;
  @Inject HostDirectory hosts;
  @Inject StoredOutput storedOutput;
  @Inject CommandReports reports;
  @Inject LeaseRepository leaseRepository;
  @Inject BuildSecrets buildSecrets;
  @Inject StoredCommands commands;

  private final Set<String> abortRequested = ConcurrentHashMap.newKeySet();
  private final ExecutorService executor = WorkerProcess.daemonThreads("command");

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
    int claimed =
        entityManager
            .createNativeQuery(
                "update commands set status = 'running', runner = ?2, started_at = now(),"
                    + " heartbeat_at = now(), attempts = 1"
                    + " where id = ?1 and status = 'requested' and abort_reason is null")
            .setParameter(1, request.commandId())
            .setParameter(2, WorkerProcess.ID)
            .executeUpdate();
    if (claimed == 0) {
      LOG.infof("command %s already claimed or aborted; not started", request.commandId());
      return;
    }
    Instant startedAt = Instant.now();
    AfterCommit.run(transactions, () -> executor.execute(() -> run(request, startedAt, false)));
  }

  /**
   * Follows a command another runner started (this runner has just claimed it), as its row says.
   */
  void resume(CommandRequested request, Instant startedAt) {
    executor.execute(() -> run(request, startedAt, true));
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
    long[] from =
        resumed
            ? QuarkusTransaction.requiringNew()
                .call(
                    () ->
                        new long[] {
                          storedOutput.end(request.commandId(), "stdout"),
                          storedOutput.end(request.commandId(), "stderr")
                        })
            : new long[] {0, 0};
    OutputStreamer output =
        new OutputStreamer(
            reports.producer(), request.commandId(), request.buildId(), from[0], from[1]);
    HostConnection host = null;
    KeyPair key = null;
    CommandReports.Ending ending;
    try {
      HostDirectory.Login login = hosts.login(request.resourceId());
      host = login.host();
      key = login.keyPair();
      BuildSecrets.Resolved secrets =
          buildSecrets.values(commands.secretEnvironment(request.commandId()));
      List<String> masked = new ArrayList<>(login.secrets());
      masked.addAll(secrets.values().values());
      output.redact(masked);
      if (secrets.missing() != null && !resumed) {
        ending =
            CommandReports.Ending.failed(
                "secret '" + secrets.missing() + "' does not exist: the command never ran", null);
      } else if (!secrets.values().isEmpty() && !isPosix(host)) {
        ending =
            CommandReports.Ending.failed(
                "build secrets are not supported on windows hosts yet: the command never ran",
                null);
      } else {
        ending =
            CommandReports.Ending.of(
                execute(
                    request,
                    startedAt,
                    host,
                    key,
                    output,
                    from,
                    resumed,
                    exports(secrets.values())));
      }
    } catch (SshFailure e) {
      LOG.warnf("command %s failed: %s", request.commandId(), e.getMessage());
      output.note("slipway: " + e.getMessage() + "\n");
      ending = CommandReports.Ending.failed(e.getMessage(), e.kind());
    } catch (RuntimeException | LinkageError e) {
      LOG.errorf(e, "command %s failed unexpectedly", request.commandId());
      ending = CommandReports.Ending.failed("runner error: " + e, null);
    }
    CommandFinished result = reports.report(request, startedAt, ending, output);
    abortRequested.remove(request.commandId());
    if (host != null
        && key != null
        && isPosix(host)
        && !CommandFinished.ERROR.equals(result.outcome())) {
      try {
        detached.remove(host, key, request.commandId());
      } catch (SshFailure e) {
        LOG.infof("spool of command %s left on %s: %s", request.commandId(), host.describe(), e);
      }
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
    Platform platform = Platform.of(host.platform());
    String script =
        platform
            .shell()
            .script(request.workingDirectory(), request.environment(), request.command());
    Duration timeout = Duration.ofSeconds(request.timeoutSeconds());
    if (!isPosix(host)) {
      // PowerShell hosts: the command streams through its channel and ends with it (no re-attach)
      return ssh.exec(host, key, script, timeout, output.stream("stdout"), output.stream("stderr"));
    }
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
        () -> abortRequested.contains(request.commandId()) || reports.abortRecorded(request));
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
    executor.shutdownNow();
  }
}
