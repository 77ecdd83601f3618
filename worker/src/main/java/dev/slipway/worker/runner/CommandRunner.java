package dev.slipway.worker.runner;

import dev.slipway.common.events.CommandFinished;
import dev.slipway.common.events.CommandOutput;
import dev.slipway.common.events.CommandRequested;
import dev.slipway.common.events.EventTypes;
import dev.slipway.common.events.Topics;
import dev.slipway.platform.messaging.EventProducer;
import dev.slipway.platform.outbox.Outbox;
import dev.slipway.platform.persistence.AfterCommit;
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
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jboss.logging.Logger;

/**
 * The runner role: claims a requested command (so that it starts once), runs it over SSH on its own
 * thread, streams its output and reports how it ended through the outbox.
 */
@ApplicationScoped
public class CommandRunner {

  private static final Logger LOG = Logger.getLogger(CommandRunner.class);

  @Inject EntityManager entityManager;
  @Inject TransactionSynchronizationRegistry transactions;
  @Inject Outbox outbox;
  @Inject EventProducer producer;
  @Inject SshConnections ssh;
  @Inject HostDirectory hosts;

  private final String runnerId = ManagementFactory.getRuntimeMXBean().getName();
  private final ExecutorService executor =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "command");
            t.setDaemon(true);
            return t;
          });

  /** Claims the command in the caller's transaction and runs it once that commits. */
  @Transactional(Transactional.TxType.MANDATORY)
  public void accept(CommandRequested request) {
    int claimed =
        entityManager
            .createNativeQuery(
                "update commands set status = 'running', runner = ?2, started_at = now()"
                    + " where id = ?1 and status = 'requested'")
            .setParameter(1, request.commandId())
            .setParameter(2, runnerId)
            .executeUpdate();
    if (claimed == 0) {
      LOG.infof("command %s already claimed; not started again", request.commandId());
      return;
    }
    AfterCommit.run(transactions, () -> executor.submit(() -> run(request)));
  }

  private void run(CommandRequested request) {
    long started = System.nanoTime();
    OutputStreamer output = new OutputStreamer(producer, request.commandId(), request.buildId());
    CommandFinished result;
    try {
      HostConnection host = hosts.connection(request.resourceId());
      ExecResult exec =
          ssh.exec(
              host,
              hosts.keyPair(host),
              request.command(),
              Duration.ofSeconds(request.timeoutSeconds()),
              output.stream(CommandOutput.STDOUT),
              output.stream(CommandOutput.STDERR));
      result =
          finished(
              request,
              exec.timedOut() ? CommandFinished.TIMED_OUT : CommandFinished.EXITED,
              exec.exitCode(),
              exec.signal(),
              null,
              started,
              output);
    } catch (SshFailure e) {
      LOG.warnf("command %s failed: %s", request.commandId(), e.getMessage());
      output.emit(CommandOutput.STDERR, "slipway: " + e.getMessage() + "\n");
      result =
          finished(request, CommandFinished.ERROR, null, null, e.getMessage(), started, output);
    } catch (RuntimeException e) {
      LOG.errorf(e, "command %s failed unexpectedly", request.commandId());
      result =
          finished(
              request, CommandFinished.ERROR, null, null, "runner error: " + e, started, output);
    }
    report(result);
  }

  private CommandFinished finished(
      CommandRequested request,
      String outcome,
      Integer exitCode,
      String signal,
      String message,
      long startedNanos,
      OutputStreamer output) {
    long chunks;
    try {
      chunks = output.finish();
    } catch (Exception e) {
      LOG.warnf("output of command %s not fully published: %s", request.commandId(), e);
      chunks = -1;
    }
    return new CommandFinished(
        request.commandId(),
        request.buildId(),
        outcome,
        exitCode,
        signal,
        message,
        Duration.ofNanos(System.nanoTime() - startedNanos).toMillis(),
        chunks);
  }

  private void report(CommandFinished result) {
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              entityManager
                  .createNativeQuery(
                      "update commands set status = 'finished', outcome = ?2, exit_code = ?3,"
                          + " signal = ?4, message = ?5, output_chunks = ?6, finished_at = now()"
                          + " where id = ?1")
                  .setParameter(1, result.commandId())
                  .setParameter(2, result.outcome())
                  .setParameter(3, result.exitCode())
                  .setParameter(4, result.signal())
                  .setParameter(5, result.message())
                  .setParameter(6, result.outputChunks())
                  .executeUpdate();
              outbox.publish(
                  Topics.COMMAND_RESULTS, EventTypes.COMMAND_FINISHED, result.buildId(), result);
            });
  }

  void stop(@Observes ShutdownEvent event) {
    executor.shutdownNow();
  }
}
