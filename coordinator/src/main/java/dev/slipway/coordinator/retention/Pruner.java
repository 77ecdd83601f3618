package dev.slipway.coordinator.retention;

import dev.slipway.coordinator.audit.AuditLog;
import dev.slipway.coordinator.build.BuildRepository;
import dev.slipway.coordinator.build.LogStore;
import dev.slipway.platform.artifact.ArtifactStore;
import dev.slipway.platform.artifact.Artifacts;
import dev.slipway.platform.command.CommandRepository;
import dev.slipway.platform.lease.LeaseRepository;
import dev.slipway.platform.messaging.EventProcessor;
import dev.slipway.platform.resource.ResourceRepository;
import dev.slipway.platform.schedule.Periodic;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.function.IntSupplier;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * Deletes what is past its retention ({@link RetentionConfig}): applied-event ids, lease and
 * resource histories, resources' logs, the audit log, and of ended builds their logs, their
 * artifacts and, last, the builds themselves. One coordinator at a time (an advisory lock taken by
 * every batch); every batch is a short transaction of its own, so that the hot path never waits
 * behind a long delete. Running builds are never touched.
 */
@ApplicationScoped
public class Pruner {

  private static final Logger LOG = Logger.getLogger(Pruner.class);
  private static final long PRUNER_LOCK = 0x511700B2L;

  @Inject EntityManager entityManager;
  @Inject RetentionConfig config;
  @Inject EventProcessor events;
  @Inject AuditLog audit;
  @Inject LogStore logs;
  @Inject Artifacts artifacts;
  @Inject ArtifactStore store;
  @Inject CommandRepository commands;
  @Inject BuildRepository builds;
  @Inject LeaseRepository leases;
  @Inject ResourceRepository resources;

  private Periodic timer;

  void start(@Observes StartupEvent event) {
    if (config.enabled()) {
      timer = Periodic.every("pruner", config.interval(), this::prune);
    }
  }

  void stop(@Observes ShutdownEvent event) {
    if (timer != null) {
      timer.close();
    }
  }

  /** What one pass deleted. */
  public record Pruned(
      long processedEvents,
      long auditEntries,
      long historyRows,
      long resourceLogLines,
      long logsOfBuilds,
      long artifactsOfBuilds,
      long builds) {}

  /** One pass over everything past its retention; returns what it deleted. */
  public Pruned prune() {
    int batch = config.batch();
    long processed =
        repeat(
            config.processedEvents(),
            () -> events.forgetOlderThan(config.processedEvents(), batch));
    long audited = repeat(config.audit(), () -> audit.deleteOlderThan(config.audit(), batch));
    long history =
        repeat(config.history(), () -> leases.deleteHistoryOlderThan(config.history(), batch))
            + repeat(
                config.history(), () -> resources.deleteHistoryOlderThan(config.history(), batch));
    long resourceLog =
        repeat(config.logs(), () -> resources.deleteLogOlderThan(config.logs(), batch));
    long logged = eachEnded(config.logs(), "logs_deleted_at", this::deleteLogs);
    long stored = eachEnded(config.artifacts(), "artifacts_deleted_at", this::deleteArtifacts);
    long deleted = eachEnded(config.builds(), null, this::deleteBuild);
    Pruned pruned = new Pruned(processed, audited, history, resourceLog, logged, stored, deleted);
    if (processed + audited + history + resourceLog + logged + stored + deleted > 0) {
      LOG.infof(
          "retention: deleted %d applied-event ids, %d audit entries, %d history rows, %d lines of"
              + " resources' logs, the logs of %d builds, the artifacts of %d builds, %d builds",
          processed, audited, history, resourceLog, logged, stored, deleted);
    }
    return pruned;
  }

  /** Runs {@code batch} (which deletes up to a batch) until it deletes less than asked. */
  private long repeat(Duration keep, IntSupplier batch) {
    if (keep.isZero()) {
      return 0;
    }
    long total = 0;
    while (true) {
      Integer deleted =
          QuarkusTransaction.requiringNew().call(() -> locked() ? batch.getAsInt() : -1);
      if (deleted < 0) {
        return total; // another coordinator prunes
      }
      total += deleted;
      if (deleted < config.batch()) {
        return total;
      }
    }
  }

  /**
   * Runs {@code action} on every build that ended longer than {@code keep} ago and whose {@code
   * doneColumn} is not set yet (null: every such build); returns on how many it did.
   */
  private long eachEnded(Duration keep, String doneColumn, Predicate<String> action) {
    if (keep.isZero()) {
      return 0;
    }
    long total = 0;
    while (true) {
      List<String> due =
          QuarkusTransaction.requiringNew()
              .call(() -> locked() ? ended(keep, doneColumn) : List.of());
      boolean failed = false;
      for (String id : due) {
        try {
          if (!action.test(id)) {
            return total; // another coordinator prunes now
          }
          total++;
        } catch (RuntimeException e) {
          LOG.warnf("retention: build %s left for the next pass: %s", id, e.toString());
          failed = true; // the next listing would start with it again
        }
      }
      if (failed) {
        return total;
      }
      if (due.size() < config.batch()) {
        return total;
      }
    }
  }

  @SuppressWarnings("unchecked")
  private List<String> ended(Duration keep, String doneColumn) {
    return entityManager
        .createNativeQuery(
            "select id from builds where finished_at < now() - cast(?1 as interval)"
                + " and status in ('passed', 'failed', 'aborted', 'error')"
                + (doneColumn == null ? "" : " and " + doneColumn + " is null")
                + " order by finished_at limit "
                + config.batch(),
            String.class)
        .setParameter(1, keep.toSeconds() + " seconds")
        .getResultList();
  }

  private boolean locked() {
    return (Boolean)
        entityManager
            .createNativeQuery("select pg_try_advisory_xact_lock(?1)")
            .setParameter(1, PRUNER_LOCK)
            .getSingleResult();
  }

  /** Runs {@code work} in a transaction of its own if it gets the pruner's lock; false if not. */
  private boolean inLock(Runnable work) {
    return QuarkusTransaction.requiringNew()
        .call(
            () -> {
              if (!locked()) {
                return false;
              }
              work.run();
              return true;
            });
  }

  private boolean deleteLogs(String buildId) {
    int[] deleted = new int[1];
    do {
      if (!inLock(() -> deleted[0] = logs.deleteOf(buildId, config.batch()))) {
        return false;
      }
    } while (deleted[0] == config.batch()); // a long log goes in several short transactions
    return inLock(() -> mark(buildId, "logs_deleted_at"));
  }

  private boolean deleteArtifacts(String buildId) {
    return inLock(
        () -> {
          artifacts.deleteOf(buildId);
          mark(buildId, "artifacts_deleted_at");
          try {
            store.deleteBuild(buildId); // inside: two coordinators never delete it at once
          } catch (IOException e) {
            throw new UncheckedIOException(e); // the rows stay, and it is tried again
          }
        });
  }

  private boolean deleteBuild(String buildId) {
    return deleteLogs(buildId)
        && deleteArtifacts(buildId)
        && inLock(
            () -> {
              commands.deleteOfBuild(buildId);
              builds.deleteEnded(buildId);
              leases.deleteEndedOf(buildId);
            });
  }

  private void mark(String buildId, String column) {
    entityManager
        .createNativeQuery("update builds set " + column + " = now() where id = ?1")
        .setParameter(1, buildId)
        .executeUpdate();
  }
}
