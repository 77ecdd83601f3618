package dev.slipway.worker.runner;

import dev.slipway.common.events.CommandRequested;
import dev.slipway.platform.schedule.Periodic;
import dev.slipway.worker.process.WorkerProcess;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Keeps commands alive across runner deaths: renews the heartbeat of the commands this runner
 * follows, and claims running commands whose runner stopped beating, so that this runner
 * re-attaches to them (to the command as its row says). A command's claim moves from runner to
 * runner in one conditional update, so two runners never follow the same command.
 */
@ApplicationScoped
public class CommandSupervisor {

  private static final Logger LOG = Logger.getLogger(CommandSupervisor.class);

  @Inject EntityManager entityManager;
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

  private void beat() {
    try {
      QuarkusTransaction.requiringNew()
          .run(
              () ->
                  entityManager
                      .createNativeQuery(
                          "update commands set heartbeat_at = now()"
                              + " where runner = ?1 and status = 'running'")
                      .setParameter(1, WorkerProcess.ID)
                      .executeUpdate());
      for (Object[] orphan : claimOrphans()) {
        String id = (String) orphan[0];
        Optional<CommandRequested> request =
            QuarkusTransaction.requiringNew().call(() -> commands.find(id));
        if (request.isEmpty()) {
          LOG.warnf("command %s: claimed to re-attach, but it is no host command", id);
          continue;
        }
        LOG.infof(
            "command %s: its runner %s stopped; re-attaching (attempt %s)",
            id, orphan[2], orphan[3]);
        runner.resume(request.get(), startedAt(orphan[1]));
      }
    } catch (Exception e) {
      LOG.warnf("command supervision failed: %s", e.toString());
    }
  }

  private static Instant startedAt(Object column) {
    return column instanceof Instant i
        ? i
        : column instanceof java.time.OffsetDateTime o
            ? o.toInstant()
            : ((java.sql.Timestamp) column).toInstant();
  }

  @SuppressWarnings("unchecked")
  private List<Object[]> claimOrphans() {
    return QuarkusTransaction.requiringNew()
        .call(
            () ->
                entityManager
                    .createNativeQuery(
                        """
                        with orphans as (
                          select id, runner from commands
                          where status = 'running' and resource_id is not null
                            and timeout_seconds is not null
                            and heartbeat_at < now() - cast(?2 as interval)
                          order by heartbeat_at limit 20
                          for update skip locked)
                        update commands c set runner = ?1, heartbeat_at = now(),
                          attempts = c.attempts + 1
                        from orphans o where c.id = o.id
                        returning c.id, c.started_at, o.runner, c.attempts
                        """)
                    .setParameter(1, WorkerProcess.ID)
                    .setParameter(2, config.orphanAfter().toMillis() + " milliseconds")
                    .getResultList());
  }
}
