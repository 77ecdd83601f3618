package dev.slipway.worker.runner;

import dev.slipway.common.events.CommandAbortRequested;
import dev.slipway.common.events.CommandFinished;
import dev.slipway.common.events.CommandRequested;
import dev.slipway.common.events.EventTypes;
import dev.slipway.common.events.Topics;
import dev.slipway.common.status.ResourceStatus;
import dev.slipway.platform.command.CommandRepository;
import dev.slipway.platform.faults.Backoff;
import dev.slipway.platform.faults.DatabaseProbe;
import dev.slipway.platform.faults.Failures;
import dev.slipway.platform.messaging.EventProducer;
import dev.slipway.platform.metrics.Meters;
import dev.slipway.platform.outbox.Outbox;
import dev.slipway.platform.resource.Resource;
import dev.slipway.platform.resource.ResourceRepository;
import dev.slipway.platform.resource.Resources;
import dev.slipway.worker.hosts.OutputStreamer;
import dev.slipway.worker.process.WorkerProcess;
import dev.slipway.worker.ssh.ExecResult;
import dev.slipway.worker.ssh.SshFailure;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * What runners write to the database about commands (through {@link CommandRepository}): the result
 * (with the event announcing it, through the outbox), aborts, and a host that presented the wrong
 * key (its resource is broken).
 */
@ApplicationScoped
public class CommandReports {

  private static final Logger LOG = Logger.getLogger(CommandReports.class);
  private static final Duration ABORT_CHECK_EVERY = Duration.ofSeconds(1);
  private static final Duration MAX_REPORT_BACKOFF = Duration.ofSeconds(5);
  private static final int MAX_REPORT_FAILURES = 5;

  @Inject EntityManager entityManager;
  @Inject CommandRepository commands;
  @Inject Outbox outbox;
  @Inject EventProducer producer;
  @Inject ResourceRepository resourceRepository;
  @Inject Resources resources;
  @Inject DatabaseProbe database;
  @Inject MeterRegistry registry;

  private final Map<String, Instant> abortCheckedAt = new ConcurrentHashMap<>();

  /** How a command ended, before its output is counted. */
  record Ending(
      String outcome, Integer exitCode, String signal, String message, SshFailure.Kind failure) {

    static Ending of(ExecResult r) {
      if (r.lost() != null) {
        return failed(r.lost(), null); // an abort or timeout asked for meanwhile did not happen
      }
      String outcome =
          r.aborted()
              ? CommandFinished.ABORTED
              : r.timedOut() ? CommandFinished.TIMED_OUT : CommandFinished.EXITED;
      if (r.exitCode() == null && outcome.equals(CommandFinished.EXITED)) {
        return failed("the command's processes vanished without an exit status", null);
      }
      return new Ending(outcome, r.exitCode(), r.signal(), null, null);
    }

    /** Done without a process of its own (an artifact copied): exit status 0. */
    static Ending passed() {
      return new Ending(CommandFinished.EXITED, 0, null, null, null);
    }

    static Ending failed(String message, SshFailure.Kind failure) {
      return new Ending(CommandFinished.ERROR, null, null, message, failure);
    }
  }

  EventProducer producer() {
    return producer;
  }

  /**
   * Records the result and announces it, retrying through a database outage until it is stored;
   * returns it, or empty when it was not recorded: another runner follows the command now (this one
   * lost it while the database was away), or the process shuts down first (the command's heartbeat
   * stops, and another runner re-attaches and reports it).
   */
  Optional<CommandFinished> report(
      CommandRequested request,
      Instant startedAt,
      Ending ending,
      OutputStreamer output,
      BooleanSupplier stopping) {
    long[] bytes;
    try {
      bytes = output.finish();
    } catch (Exception e) {
      LOG.warnf("output of command %s not fully published: %s", request.commandId(), e);
      bytes = new long[] {-1, -1};
    }
    CommandFinished result =
        new CommandFinished(
            request.commandId(),
            request.buildId(),
            ending.outcome(),
            ending.exitCode(),
            ending.signal(),
            ending.message(),
            Duration.between(startedAt, Instant.now()).toMillis(),
            bytes[0],
            bytes[1]);
    abortCheckedAt.remove(request.commandId());
    Backoff backoff = new Backoff(MAX_REPORT_BACKOFF);
    int failures = 0; // while the database answers
    for (int attempt = 1; ; attempt++) {
      try {
        boolean recorded =
            QuarkusTransaction.requiringNew().call(() -> recordFollowed(request, ending, result));
        if (!recorded) {
          LOG.warnf(
              "command %s: another runner follows it now; this runner's result (%s) is dropped",
              request.commandId(), result.outcome());
          return Optional.empty();
        }
        if (attempt > 1) {
          LOG.infof("command %s: result stored after %d attempts", request.commandId(), attempt);
        }
        break;
      } catch (RuntimeException e) {
        boolean outage = Failures.isTransient(e) || !database.answers();
        if (!outage && ++failures >= MAX_REPORT_FAILURES) {
          LOG.errorf(
              e,
              "command %s: its result (%s) could not be stored; given up for another runner to"
                  + " re-attach and report",
              request.commandId(),
              result.outcome());
          return Optional.empty();
        }
        if (attempt == 1 || attempt % 20 == 0) {
          LOG.warnf(
              "command %s: storing its result failed (attempt %d), retrying%s: %s",
              request.commandId(),
              attempt,
              outage ? " until the database is back" : "",
              e.toString());
        }
        if (stopping.getAsBoolean() || !sleep(backoff.nextMillis())) {
          LOG.infof(
              "command %s: shutting down before its result was stored; another runner will"
                  + " re-attach and report it",
              request.commandId());
          return Optional.empty();
        }
      }
    }
    // stored: only now, outside the retries (a failure here must not look like a lost result)
    Meters.record(
        registry,
        "slipway.command.duration",
        "how long a command ran on its host (or a copy took), by how it ended",
        Duration.ofMillis(result.durationMillis()),
        "outcome",
        outcome(result));
    return Optional.of(result);
  }

  /**
   * The {@code outcome} label of {@code slipway_command_duration_seconds}: {@code succeeded} (exit
   * 0), {@code failed} (another exit status or a signal), or the result's outcome otherwise ({@code
   * error}, {@code timed-out}, {@code aborted}).
   */
  static String outcome(CommandFinished result) {
    if (result.succeeded()) {
      return "succeeded";
    }
    return CommandFinished.EXITED.equals(result.outcome()) ? "failed" : result.outcome();
  }

  private boolean recordFollowed(CommandRequested request, Ending ending, CommandFinished result) {
    if (!commands.finishFollowed(result, WorkerProcess.ID)) {
      return false;
    }
    outbox.publish(Topics.COMMAND_RESULTS, EventTypes.COMMAND_FINISHED, result.buildId(), result);
    if (ending.failure() == SshFailure.Kind.HOST_KEY_MISMATCH) {
      breakHost(request.resourceId(), ending.message());
    } else if (ending.failure() != null) {
      suspect(request.resourceId(), ending.message());
    } else if (!CommandFinished.ERROR.equals(result.outcome())) {
      cleared(request.resourceId()); // a command ran there
    }
    return true;
  }

  private static boolean sleep(long millis) {
    try {
      Thread.sleep(millis);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Finishes a command that is still waiting to run with an error, without running it, in the
   * caller's transaction; announces the result.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  void refuse(CommandRequested request, String message) {
    CommandFinished result =
        new CommandFinished(
            request.commandId(),
            request.buildId(),
            CommandFinished.ERROR,
            null,
            null,
            message,
            0,
            0,
            0);
    if (recordUnstarted(result)) {
      LOG.infof("command %s not started: %s", request.commandId(), message);
    }
  }

  /**
   * Records {@code result} and announces it, only if the command is still waiting to run. Returns
   * whether it did.
   */
  private boolean recordUnstarted(CommandFinished result) {
    boolean recorded = commands.finishUnstarted(result);
    if (recorded) {
      outbox.publish(Topics.COMMAND_RESULTS, EventTypes.COMMAND_FINISHED, result.buildId(), result);
    }
    return recorded;
  }

  /** Records an abort; returns whether the command was still running or waiting to run. */
  @Transactional(Transactional.TxType.MANDATORY)
  public boolean recordAbort(CommandAbortRequested abort) {
    return commands.recordAbort(
        abort.commandId(), abort.reason() == null ? "aborted" : abort.reason());
  }

  /**
   * Whether an abort of the command is recorded (asked of the database at most once a second).
   * While the database does not answer, no abort is seen: the command goes on, and the question is
   * asked again a second later.
   */
  boolean abortRecorded(CommandRequested request) {
    Instant now = Instant.now();
    Instant last = abortCheckedAt.get(request.commandId());
    if (last != null && last.plus(ABORT_CHECK_EVERY).isAfter(now)) {
      return false;
    }
    abortCheckedAt.put(request.commandId(), now);
    try {
      return QuarkusTransaction.requiringNew()
          .call(() -> commands.abortRecorded(request.commandId()));
    } catch (RuntimeException e) {
      LOG.debugf("command %s: abort check failed, asking again later: %s", request.commandId(), e);
      return false;
    }
  }

  /** Marks the host suspect: a command could not run there for an infrastructure reason. */
  private void suspect(String resourceId, String reason) {
    entityManager
        .createNativeQuery(
            "update resources set suspect_reason = ?2, suspect_since = coalesce(suspect_since,"
                + " now()) where id = ?1")
        .setParameter(1, resourceId)
        .setParameter(2, reason)
        .executeUpdate();
  }

  /** Clears the suspect mark of a host where a command ran. */
  private void cleared(String resourceId) {
    entityManager
        .createNativeQuery(
            "update resources set suspect_reason = null, suspect_since = null"
                + " where id = ?1 and suspect_reason is not null")
        .setParameter(1, resourceId)
        .executeUpdate();
  }

  private void breakHost(String resourceId, String reason) {
    Resource resource = resourceRepository.findById(resourceId);
    if (resource != null && resource.status == ResourceStatus.ACTIVE) {
      resources.move(resource, ResourceStatus.BROKEN, reason);
    }
  }
}
