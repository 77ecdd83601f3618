package dev.slipway.platform.command;

import static dev.slipway.common.status.CommandStatus.FINISHED;
import static dev.slipway.common.status.CommandStatus.REQUESTED;
import static dev.slipway.common.status.CommandStatus.RUNNING;

import dev.slipway.common.events.CommandFinished;
import dev.slipway.common.status.CommandStatus;
import dev.slipway.common.status.Transitions;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.Query;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.hibernate.jpa.HibernateHints;

/**
 * The one owner of the {@code commands} table ({@link Command}, {@link CommandStatus}): the
 * coordinator creates rows here, runners claim them and write their run state here, and every query
 * of the table is here. A runner's writes are single conditional statements (a claim moves a
 * command only if it is still {@code requested}, a takeover skips rows another runner is taking),
 * so that two runners never follow the same command; their statuses come from {@link
 * CommandStatus}, checked against its state machine when this class loads.
 */
@ApplicationScoped
public class CommandRepository implements PanacheRepositoryBase<Command, String> {

  private static final String CLAIM =
      "update commands set status = "
          + sql(RUNNING)
          + ", runner = ?2, started_at = now(), heartbeat_at = now(), attempts = 1"
          + " where id = ?1 and status = "
          + sql(from(REQUESTED, RUNNING))
          + " and abort_reason is null";

  private static final String FINISH =
      "update commands set status = "
          + sql(FINISHED)
          + ", outcome = ?2, exit_code = ?3, signal = ?4, message = ?5, stdout_bytes = ?6,"
          + " stderr_bytes = ?7, finished_at = now() where id = ?1";

  private static final String FINISH_UNSTARTED =
      FINISH + " and status = " + sql(from(REQUESTED, FINISHED));

  private static final String FINISH_FOLLOWED =
      FINISH + " and status = " + sql(from(RUNNING, FINISHED)) + " and runner = ?8";

  private static final String RECORD_ABORT =
      "update commands set abort_reason = ?2 where id = ?1 and status in ("
          + Arrays.stream(CommandStatus.values())
              .filter(CommandStatus::isUnfinished)
              .map(CommandRepository::sql)
              .collect(Collectors.joining(", "))
          + ") and abort_reason is null";

  private static final String RENEW_HEARTBEATS =
      "update commands set heartbeat_at = now() where runner = ?1 and status = "
          + sql(RUNNING)
          + " and id = any(string_to_array(?2, ',')) returning id";

  /**
   * Takes over running host commands whose runner stopped beating: the rows are locked and those
   * another runner is locking skipped ({@code for update skip locked}), so that each goes to one
   * runner; at most 20 at a time, those that stopped longest ago first.
   */
  private static final String TAKE_OVER_ORPHANS =
      """
      with orphans as (
        select id, runner from commands
        where status = %s and resource_id is not null
          and timeout_seconds is not null
          and heartbeat_at < now() - cast(?2 as interval)
        order by heartbeat_at limit 20
        for update skip locked)
      update commands c set runner = ?1, heartbeat_at = now(),
        attempts = c.attempts + 1
      from orphans o where c.id = o.id
      returning c.id, c.started_at, o.runner, c.attempts
      """
          .formatted(sql(RUNNING));

  private static final String RUNNING_ON_LEASE =
      "select 1 from commands where lease_id = ?1 and status = " + sql(RUNNING) + " limit 1";

  // ---- the coordinator ------------------------------------------------------------------------

  /**
   * Writes {@code command} as {@code requested}, for a runner to claim, in the caller's
   * transaction.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public void request(Command command) {
    command.status = REQUESTED;
    persist(command);
  }

  // ---- runners ----------------------------------------------------------------------------------

  /**
   * The row of command {@code id}, read-only (a flush never writes it back, so it cannot undo a
   * runner's conditional updates made after it was read); empty when there is none.
   */
  public Optional<Command> read(String id) {
    return getEntityManager()
        .createQuery("from Command where id = ?1", Command.class)
        .setParameter(1, id)
        .setHint(HibernateHints.HINT_READ_ONLY, true)
        .getResultStream()
        .findFirst();
  }

  /**
   * Claims command {@code id} for {@code runner}: requested → running, only if it is still
   * requested and no abort is recorded; sets its runner, start, heartbeat and attempts (1).
   *
   * @return whether this call claimed it (false: already claimed, finished or aborted)
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public boolean claim(String id, String runner) {
    return getEntityManager()
            .createNativeQuery(CLAIM)
            .setParameter(1, id)
            .setParameter(2, runner)
            .executeUpdate()
        == 1;
  }

  /**
   * Records how the command ended ({@code finished} with its outcome, exit code, signal, message
   * and output sizes), only if it is still running and {@code runner} follows it: a runner that
   * lost the command to another (its heartbeat stopped during an outage, say) reports nothing, and
   * a result is never written twice.
   *
   * @return whether it was recorded
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public boolean finishFollowed(CommandFinished result, String runner) {
    return finish(FINISH_FOLLOWED, result, runner);
  }

  /**
   * Records how a command that never ran ended, only if it is still {@code requested}.
   *
   * @return whether it was
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public boolean finishUnstarted(CommandFinished result) {
    return finish(FINISH_UNSTARTED, result, null);
  }

  private boolean finish(String statement, CommandFinished result, String runner) {
    Query query = getEntityManager().createNativeQuery(statement);
    if (runner != null) {
      query.setParameter(8, runner);
    }
    return query
            .setParameter(1, result.commandId())
            .setParameter(2, result.outcome())
            .setParameter(3, result.exitCode())
            .setParameter(4, result.signal())
            .setParameter(5, result.message())
            .setParameter(6, result.stdoutBytes())
            .setParameter(7, result.stderrBytes())
            .executeUpdate()
        == 1;
  }

  /**
   * Records an abort of command {@code id}, only if it is still requested or running and no abort
   * is recorded yet.
   *
   * @return whether it recorded it
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public boolean recordAbort(String id, String reason) {
    return getEntityManager()
            .createNativeQuery(RECORD_ABORT)
            .setParameter(1, id)
            .setParameter(2, reason)
            .executeUpdate()
        == 1;
  }

  /** Whether an abort of command {@code id} is recorded. */
  public boolean abortRecorded(String id) {
    return !getEntityManager()
        .createNativeQuery("select 1 from commands where id = ?1 and abort_reason is not null")
        .setParameter(1, id)
        .getResultList()
        .isEmpty();
  }

  /**
   * Renews the heartbeat of those of {@code following} that are still running and claimed by {@code
   * runner}; returns their ids. A command this runner no longer follows (its thread ended without a
   * result) is not renewed, so that another runner takes it over.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  @SuppressWarnings("unchecked")
  public Set<String> renewHeartbeats(String runner, Collection<String> following) {
    if (following.isEmpty()) {
      return Set.of();
    }
    return Set.copyOf(
        getEntityManager()
            .createNativeQuery(RENEW_HEARTBEATS)
            .setParameter(1, runner)
            .setParameter(2, String.join(",", following)) // ids are UUIDs
            .getResultList());
  }

  /** A running command {@link #takeOverOrphans} handed to a new runner. */
  public record Orphan(String id, Instant startedAt, String previousRunner, int attempts) {}

  /**
   * Hands running host commands whose runner has not beaten for {@code orphanAfter} to {@code
   * runner} (renewing their heartbeat, counting the attempt), at most 20, in one statement that
   * skips rows other runners are taking over.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  @SuppressWarnings("unchecked")
  public List<Orphan> takeOverOrphans(String runner, Duration orphanAfter) {
    List<Object[]> rows =
        getEntityManager()
            .createNativeQuery(TAKE_OVER_ORPHANS)
            .setParameter(1, runner)
            .setParameter(2, orphanAfter.toMillis() + " milliseconds")
            .getResultList();
    return rows.stream()
        .map(
            r ->
                new Orphan((String) r[0], instant(r[1]), (String) r[2], ((Number) r[3]).intValue()))
        .toList();
  }

  /**
   * The statuses of those of {@code ids} that have a row (a command whose row was deleted, or that
   * another installation ran, is absent): what a sweep of the spools on a host goes by.
   */
  public Map<String, CommandStatus> statuses(Collection<String> ids) {
    Map<String, CommandStatus> found = new HashMap<>();
    if (ids.isEmpty()) {
      return found;
    }
    getEntityManager()
        .createQuery("select c.id, c.status from Command c where c.id in :ids", Object[].class)
        .setParameter("ids", ids)
        .getResultList()
        .forEach(r -> found.put((String) r[0], (CommandStatus) r[1]));
    return found;
  }

  // ---- allocators -------------------------------------------------------------------------------

  /** Whether a command still runs on lease {@code leaseId} (e.g. one being killed). */
  public boolean runningOn(String leaseId) {
    return !getEntityManager()
        .createNativeQuery(RUNNING_ON_LEASE)
        .setParameter(1, leaseId)
        .getResultList()
        .isEmpty();
  }

  /**
   * A status as an SQL literal, so that the statements stay what the partial index on running
   * commands was made for ({@code where status = 'running'}); wire names are fixed lower-case
   * words, nothing to escape.
   */
  private static String sql(CommandStatus status) {
    return "'" + status.wireName() + "'";
  }

  /** {@code from}, once the state machine says that a command may move from it to {@code to}. */
  private static CommandStatus from(CommandStatus from, CommandStatus to) {
    Transitions.check("a command", from, to);
    return from;
  }

  private static Instant instant(Object column) {
    return column instanceof Instant i
        ? i
        : column instanceof OffsetDateTime o
            ? o.toInstant()
            : ((java.sql.Timestamp) column).toInstant();
  }

  /** Deletes the commands of ended build {@code buildId} (retention; their logs first). */
  @Transactional(Transactional.TxType.MANDATORY)
  public void deleteOfBuild(String buildId) {
    getEntityManager()
        .createNativeQuery("delete from commands where build_id = ?1")
        .setParameter(1, buildId)
        .executeUpdate();
  }

  /** Records that command {@code id}, unclaimed, was asked for again (the reconciler backs off). */
  @Transactional(Transactional.TxType.MANDATORY)
  public void markRequestedAgain(String id) {
    getEntityManager()
        .createNativeQuery("update commands set requested_again_at = now() where id = ?1")
        .setParameter(1, id)
        .executeUpdate();
  }
}
