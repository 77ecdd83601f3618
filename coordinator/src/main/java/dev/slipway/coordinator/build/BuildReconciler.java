package dev.slipway.coordinator.build;

import dev.slipway.common.events.EventTypes;
import dev.slipway.common.events.Topics;
import dev.slipway.platform.command.Command;
import dev.slipway.platform.command.CommandRepository;
import dev.slipway.platform.lease.Lease;
import dev.slipway.platform.lease.LeaseRepository;
import dev.slipway.platform.lease.Leases;
import dev.slipway.platform.outbox.Outbox;
import dev.slipway.platform.schedule.Periodic;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.util.List;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Repairs what a lost or dead-lettered event left behind, from the database's truth: every {@link
 * BuildConfig#reconcileInterval()}, one coordinator at a time (an advisory lock), it looks for
 * builds that have waited longer than {@link BuildConfig#reconcileAfter()} for something that has
 * already happened, and moves them as the event would have:
 *
 * <ul>
 *   <li>a lease step whose lease is active, failed or broken (its {@code lease.*} event lost);
 *   <li>a command step whose runner recorded the result ({@code command.finished} lost);
 *   <li>a command step whose result arrived {@link BuildConfig#missingOutputAfter()} ago but part
 *       of whose output never did (its output events lost): it completes, and its log says what is
 *       missing;
 *   <li>a command that no runner has claimed ({@code command.requested} lost): asked for again (a
 *       runner claims a command once, however often it is asked), less and less often (each wait as
 *       long as the command had waited, up to 10 minutes) while no runner claims it;
 *   <li>a build with no step left to run that is still running, or one never started;
 *   <li>a lease of an ended build, or of a step that no longer needs it, not yet released ({@code
 *       lease.release-requested} lost): its release is asked for again.
 * </ul>
 *
 * Each repair runs in its own transaction with the build locked, as the consumers do, and does
 * nothing when the build has moved on meanwhile.
 */
@ApplicationScoped
public class BuildReconciler {

  private static final Logger LOG = Logger.getLogger(BuildReconciler.class);
  private static final long RECONCILER_LOCK = 0x511700B1L;
  private static final int BATCH = 100;

  @Inject EntityManager entityManager;
  @Inject BuildEngine engine;
  @Inject BuildRepository builds;
  @Inject CommandRepository commands;
  @Inject LeaseRepository leaseRepository;
  @Inject Leases leases;
  @Inject Outbox outbox;
  @Inject BuildConfig config;

  private Periodic timer;

  void start(@Observes StartupEvent event) {
    if (config.reconcileEnabled()) {
      timer = Periodic.every("build-reconciler", config.reconcileInterval(), this::reconcile);
    }
  }

  void stop(@Observes ShutdownEvent event) {
    if (timer != null) {
      timer.close();
    }
  }

  /** What one pass found to repair, by kind. */
  record Found(
      List<String> leaseSteps,
      List<String> recordedResults,
      List<String> missingOutput,
      List<String> unclaimed,
      List<String> stalledBuilds,
      List<String> unreleased) {

    boolean isEmpty() {
      return leaseSteps.isEmpty()
          && recordedResults.isEmpty()
          && missingOutput.isEmpty()
          && unclaimed.isEmpty()
          && stalledBuilds.isEmpty()
          && unreleased.isEmpty();
    }
  }

  /** One pass; returns what it found (nothing when another coordinator holds the lock). */
  Found reconcile() {
    Found found = QuarkusTransaction.requiringNew().call(this::find);
    if (found.isEmpty()) {
      return found;
    }
    repair("lease step", found.leaseSteps(), this::leaseStep);
    repair("command result", found.recordedResults(), this::recordedResult);
    repair("command output", found.missingOutput(), engine::completeWithoutMissingOutput);
    repair("command request", found.unclaimed(), this::askAgain);
    repair("build", found.stalledBuilds(), this::advance);
    repair("lease release", found.unreleased(), this::releaseAgain);
    return found;
  }

  private void repair(String what, List<String> ids, Consumer<String> action) {
    for (String id : ids) {
      try {
        boolean done =
            QuarkusTransaction.requiringNew()
                .call(
                    () -> {
                      if (!locked()) {
                        return false; // another coordinator reconciles now
                      }
                      action.accept(id);
                      return true;
                    });
        if (!done) {
          return;
        }
        LOG.infof("reconciler: %s %s moved from the database (its event was lost)", what, id);
      } catch (RuntimeException e) {
        LOG.warnf("reconciler: %s %s could not be repaired, trying again later: %s", what, id, e);
      }
    }
  }

  /** Takes the reconciler's lock for the caller's transaction, if no other coordinator has it. */
  private boolean locked() {
    return (Boolean)
        entityManager
            .createNativeQuery("select pg_try_advisory_xact_lock(?1)")
            .setParameter(1, RECONCILER_LOCK)
            .getSingleResult();
  }

  private Found find() {
    if (!locked()) {
      return new Found(List.of(), List.of(), List.of(), List.of(), List.of(), List.of());
    }
    String after = config.reconcileAfter().toMillis() + " milliseconds";
    return new Found(
        ids(
            """
            select s.lease_id from steps s join leases l on l.id = s.lease_id
            where s.status = 'running' and s.command_id is null
              and l.status in ('active', 'failed', 'broken')
              and coalesce(l.updated_at, l.created_at) < now() - cast(?1 as interval)
            """,
            after),
        ids(
            """
            select c.id from steps s join commands c on c.id = s.command_id
            where s.status = 'running' and c.status = 'finished' and c.result is null
              and c.finished_at < now() - cast(?1 as interval)
            """,
            after),
        ids(
            """
            select c.id from steps s join commands c on c.id = s.command_id
            where s.status = 'running' and c.status = 'finished' and c.result is not null
              and c.result_at < now() - cast(?1 as interval)
            """,
            config.missingOutputAfter().toMillis() + " milliseconds"),
        ids(
            """
            select c.id from steps s join commands c on c.id = s.command_id
            where s.status = 'running' and c.status = 'requested' and c.abort_reason is null
              and c.created_at < now() - cast(?1 as interval)
              and (c.requested_again_at is null
                   or c.requested_again_at < now() - least(c.requested_again_at - c.created_at,
                                                           interval '10 minutes'))
            """,
            after),
        ids(
            """
            select b.id from builds b
            where (b.status = 'running'
                   and not exists (select 1 from steps s where s.build_id = b.id
                                   and s.status in ('pending', 'running')))
               or (b.status = 'pending' and b.created_at < now() - cast(?1 as interval))
            """,
            after),
        ids(
            """
            select l.id from leases l join builds b on b.id = l.owner
            where l.status in ('pending', 'acquired', 'active') and l.release_reason is null
              and coalesce(l.updated_at, l.created_at) < now() - cast(?1 as interval)
              and (b.status in ('passed', 'failed', 'aborted', 'error')
                   or exists (select 1 from steps s where s.lease_id = l.id
                              and s.lease_released_at is not null))
            """,
            after));
  }

  @SuppressWarnings("unchecked")
  private List<String> ids(String query, String after) {
    return entityManager
        .createNativeQuery(query + " limit " + BATCH, String.class)
        .setParameter(1, after)
        .getResultList();
  }

  private void leaseStep(String leaseId) {
    Lease lease = leaseRepository.findById(leaseId);
    if (lease != null) {
      engine.onLease(lease.id, lease.status, lease.reason);
    }
  }

  private void recordedResult(String commandId) {
    Command command = commands.findById(commandId);
    if (command != null && command.result == null) {
      engine.onCommandFinished(command.recordedResult());
    }
  }

  private void askAgain(String commandId) {
    Command command = commands.findById(commandId);
    if (command != null) {
      commands.markRequestedAgain(commandId);
      outbox.publish(
          Topics.COMMAND_REQUESTS, EventTypes.COMMAND_REQUESTED, command.id, command.requested());
    }
  }

  private void advance(String buildId) {
    builds.lock(buildId).ifPresent(engine::advance);
  }

  private void releaseAgain(String leaseId) {
    Lease lease = leaseRepository.findById(leaseId);
    if (lease != null && !lease.status.isFinal()) {
      leases.requestRelease(lease, "released again: its owner no longer needs it");
    }
  }
}
