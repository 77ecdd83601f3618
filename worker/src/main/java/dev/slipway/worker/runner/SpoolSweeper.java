package dev.slipway.worker.runner;

import dev.slipway.common.platform.Platform;
import dev.slipway.common.status.CommandStatus;
import dev.slipway.platform.command.CommandRepository;
import dev.slipway.worker.hosts.HostDirectory;
import dev.slipway.worker.process.WorkerProcess;
import dev.slipway.worker.ssh.DetachedCommands;
import dev.slipway.worker.ssh.HostConnection;
import dev.slipway.worker.ssh.SshFailure;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.jboss.logging.Logger;

/**
 * Removes spool directories that nobody removed from POSIX hosts: a command's spool goes once its
 * result is stored ({@link CommandRunner}), but not when its runner lost the host (an SSH failure
 * keeps it, as the command may still run there). Each new connection to a host (at most once per
 * {@link #AT_MOST_EVERY} per host) starts a sweep in the background, off every command's path: it
 * lists the host's spools (one exec), asks the database which commands ended, and removes the
 * spools of ended commands, and of commands the database does not know once nothing wrote to them
 * for {@code slipway.runner.spool-max-age}. A spool whose command the database says is requested or
 * running is never removed, and neither is one whose process group is still alive on the host.
 */
@ApplicationScoped
public class SpoolSweeper {

  private static final Logger LOG = Logger.getLogger(SpoolSweeper.class);

  /** The shortest time between two sweeps of one host. */
  static final Duration AT_MOST_EVERY = Duration.ofMinutes(10);

  @Inject HostDirectory hosts;
  @Inject DetachedCommands detached;
  @Inject CommandRepository commands;
  @Inject RunnerConfig config;

  private final ExecutorService executor = WorkerProcess.daemonThreads("spool-sweep");
  private final Map<String, Instant> sweptAt = new ConcurrentHashMap<>();

  /** A new connection to {@code host} was made: sweeps its spools in the background when due. */
  public void connected(HostConnection host) {
    if (Platform.of(host.platform()) == Platform.WINDOWS) {
      return; // a command on a Windows host keeps no spool
    }
    Instant now = Instant.now();
    boolean[] due = {false};
    sweptAt.compute(
        host.resourceId(),
        (id, last) -> {
          due[0] = last == null || Duration.between(last, now).compareTo(AT_MOST_EVERY) >= 0;
          return due[0] ? now : last;
        });
    if (!due[0]) {
      return;
    }
    try {
      executor.execute(() -> sweepQuietly(host.resourceId()));
    } catch (RejectedExecutionException e) {
      // the process is stopping
    }
  }

  private void sweepQuietly(String resourceId) {
    try {
      Set<String> removed = sweep(resourceId);
      if (!removed.isEmpty()) {
        LOG.infof("host %s: removed %d spools of ended commands", resourceId, removed.size());
      }
    } catch (SshFailure | RuntimeException e) {
      LOG.infof("host %s: spools not swept: %s", resourceId, e.toString());
    }
  }

  /** Sweeps the spools of host resource {@code resourceId} now; returns the command ids removed. */
  Set<String> sweep(String resourceId) throws SshFailure {
    HostDirectory.Login login = hosts.login(resourceId);
    DetachedCommands.Spools spools =
        detached.spools(login.host(), login.keyPair(), config.spoolMaxAge());
    if (spools.all().isEmpty()) {
      return Set.of();
    }
    Map<String, CommandStatus> statuses =
        QuarkusTransaction.requiringNew().call(() -> commands.statuses(spools.all()));
    List<String> removable =
        spools.all().stream()
            .filter(
                id -> {
                  CommandStatus status = statuses.get(id);
                  return status == null
                      ? spools.untouched().contains(id)
                      : status == CommandStatus.FINISHED;
                })
            .toList();
    return removable.isEmpty()
        ? Set.of()
        : detached.sweep(login.host(), login.keyPair(), removable);
  }

  void stop(@Observes ShutdownEvent event) {
    executor.shutdownNow();
  }
}
