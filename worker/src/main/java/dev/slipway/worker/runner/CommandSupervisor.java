package dev.slipway.worker.runner;

import dev.slipway.common.events.CommandRequested;
import dev.slipway.platform.command.CommandRepository;
import dev.slipway.platform.command.CommandRepository.Orphan;
import dev.slipway.platform.schedule.Periodic;
import dev.slipway.worker.process.WorkerProcess;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Keeps commands alive across runner deaths: renews the heartbeat of the commands this runner
 * follows (only those a thread of {@link CommandRunner} still follows: one that ended without a
 * result, in an outage, stops beating and is taken over), and claims running commands whose runner
 * stopped beating, so that this runner re-attaches to them (to the command as its row says). A
 * command's claim moves from runner to runner in one conditional update ({@link
 * CommandRepository#takeOverOrphans}), so two runners never follow the same command.
 */
@ApplicationScoped
public class CommandSupervisor {

  private static final Logger LOG = Logger.getLogger(CommandSupervisor.class);

  @Inject CommandRepository rows;
  @Inject CommandRunner runner;
  @Inject StoredCommands commands;
  @Inject RunnerConfig config;

  @ConfigProperty(name = "slipway.worker.runner.enabled", defaultValue = "true")
  boolean enabled;

  private Periodic timer;

  void start(@Observes StartupEvent event) {
    if (!enabled) {
      return;
    }
    timer = Periodic.every("command-supervisor", config.heartbeat(), this::beat);
  }

  void stop(@Observes ShutdownEvent event) {
    if (timer != null) {
      timer.close();
    }
  }

  /**
   * Since when this runner's beats have succeeded without a break (null: the last one failed).
   * After a database outage every heartbeat is stale at once: orphans are taken over only once
   * beats have succeeded for a whole {@code orphanAfter}, so that every runner that still follows
   * its commands has renewed them first.
   */
  private Instant beatingSince = Instant.now();

  private void beat() {
    try {
      Set<String> following = runner.following();
      Set<String> renewed;
      try {
        renewed =
            QuarkusTransaction.requiringNew()
                .call(() -> rows.renewHeartbeats(WorkerProcess.ID, following));
      } catch (RuntimeException e) {
        beatingSince = null;
        throw e;
      }
      if (beatingSince == null) {
        beatingSince = Instant.now();
        LOG.infof(
            "heartbeats renewed again; orphans are taken over from %s on",
            beatingSince.plus(config.orphanAfter()));
      }
      if (Instant.now().isBefore(beatingSince.plus(config.orphanAfter()))) {
        return;
      }
      if (renewed.size() < following.size()) {
        LOG.debugf(
            "%d followed commands were not renewed (finished, or taken over by another runner)",
            following.size() - renewed.size());
      }
      List<Orphan> orphans =
          QuarkusTransaction.requiringNew()
              .call(() -> rows.takeOverOrphans(WorkerProcess.ID, config.orphanAfter()));
      for (Orphan orphan : orphans) {
        String id = orphan.id();
        Optional<CommandRequested> request =
            QuarkusTransaction.requiringNew().call(() -> commands.find(id));
        if (request.isEmpty()) {
          LOG.warnf("command %s: claimed to re-attach, but it is no host command", id);
          continue;
        }
        LOG.infof(
            "command %s: its runner %s stopped; re-attaching (attempt %s)",
            id, orphan.previousRunner(), orphan.attempts());
        runner.resume(request.get(), orphan.startedAt(), orphan.attempts());
      }
    } catch (Exception e) {
      LOG.warnf("command supervision failed: %s", e.toString());
    }
  }
}
