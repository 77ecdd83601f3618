package dev.slipway.platform.lease;

import dev.slipway.common.status.LeaseStatus;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Lease queries. */
@ApplicationScoped
public class LeaseRepository implements PanacheRepositoryBase<Lease, String> {

  /**
   * Whether lease {@code id} exists and still waits (read without a lock: it never waits again).
   */
  public boolean isPending(String id) {
    return exists("select 1 from leases where id = ?1 and status = 'pending'", id);
  }

  /** Loads a lease and locks its row until the transaction ends. */
  public Optional<Lease> lock(String id) {
    return findByIdOptional(id, LockModeType.PESSIMISTIC_WRITE);
  }

  /** What a waiting lease asks for, as text: leases that ask for the same thing share it. */
  private static final String WANTS =
      "concat_ws(' ', attributes::text, pinned_resource_id, repository, host_lease_id, group_id)";

  /**
   * A waiting lease in a queue: its id, its place ({@code seq}) and what it asks for (its
   * attributes and pinning; for a working copy also its repository and host lease; for a member of
   * a lease group also its group, so that a group is never skipped for a single lease asking the
   * same). Leases that ask for the same thing are served, or not, alike.
   */
  public record Waiting(String id, long seq, String wants) {}

  /** The oldest waiting lease of a group (what it asks for) and how many leases the group has. */
  public record Head(Waiting lease, long inGroup) {}

  /**
   * The oldest waiting lease of {@code type} of each thing asked for, oldest first, with the size
   * of its group, without loading them: a drain looks at each lease in turn and loads only those it
   * may serve ({@link #after} gives the next ones of the same kind, and need not be asked for a
   * group of one).
   */
  @SuppressWarnings("unchecked")
  public List<Head> heads(String type) {
    List<Object[]> rows =
        getEntityManager()
            .createNativeQuery(
                "select id, seq, wants, n from ("
                    + " select distinct on (wants) id, seq, wants, n from ("
                    + "  select id, seq, "
                    + WANTS
                    + " as wants, count(*) over (partition by "
                    + WANTS
                    + ") as n from leases where status = 'pending' and type = ?1) q"
                    + " order by wants, seq) h"
                    + " order by seq")
            .setParameter(1, type)
            .getResultList();
    return rows.stream().map(r -> new Head(waiting(r), ((Number) r[3]).longValue())).toList();
  }

  /**
   * The waiting leases of {@code type} that ask for {@code wants}, after {@code seq}, oldest first.
   */
  @SuppressWarnings("unchecked")
  public List<Waiting> after(String type, String wants, long seq, int limit) {
    List<Object[]> rows =
        getEntityManager()
            .createNativeQuery(
                "select id, seq, "
                    + WANTS
                    + " from leases where status = 'pending' and type = ?1 and seq > ?2 and "
                    + WANTS
                    + " = ?3 order by seq limit ?4")
            .setParameter(1, type)
            .setParameter(2, seq)
            .setParameter(3, wants)
            .setParameter(4, limit)
            .getResultList();
    return rows.stream().map(LeaseRepository::waiting).toList();
  }

  private static Waiting waiting(Object[] row) {
    return new Waiting((String) row[0], ((Number) row[1]).longValue(), (String) row[2]);
  }

  /** Whether any lease of {@code type} is waiting. No locks. */
  public boolean anyWaiting(String type) {
    return exists("select 1 from leases where status = 'pending' and type = ?1 limit 1", type);
  }

  /** Whether {@code query}, with {@code parameter} as ?1, returns a row. */
  private boolean exists(String query, String parameter) {
    return !getEntityManager()
        .createNativeQuery(query)
        .setParameter(1, parameter)
        .getResultList()
        .isEmpty();
  }

  /** Where a pending lease stands in its type's queue: 1 is next. */
  public long queuePosition(Lease lease) {
    return count(
        "status = ?1 and type = ?2 and seq <= ?3", LeaseStatus.PENDING, lease.type, lease.seq);
  }

  /** Leases of {@code owner} that still hold or wait for a slot. */
  public List<Lease> unfinishedOf(String owner) {
    return find(
            "owner = ?1 and status in ?2",
            owner,
            List.of(LeaseStatus.PENDING, LeaseStatus.ACQUIRED, LeaseStatus.ACTIVE))
        .list();
  }

  /**
   * Ids of pending leases that have waited longer than their wait timeout. A working copy on a host
   * lease that is itself still waiting (a host being made for it) does not time out: the host
   * lease's own timeout covers that wait, and the copy's wait counts from the moment its host lease
   * became active.
   */
  @SuppressWarnings("unchecked")
  public List<String> timedOut(long defaultWaitMillis, int limit) {
    return getEntityManager()
        .createNativeQuery(
            "select l.id from leases l left join leases h on h.id = l.host_lease_id"
                + " where l.status = 'pending'"
                + " and (h.id is null or h.status not in ('pending', 'acquired'))"
                + " and greatest(l.created_at, case when h.status = 'active' then h.updated_at end)"
                + " + coalesce(l.wait_timeout_ms, ?1) * interval '1 millisecond' < now()"
                + " order by l.seq limit ?2")
        .setParameter(1, defaultWaitMillis)
        .setParameter(2, limit)
        .getResultList();
  }

  /** Ids of held leases whose owner stopped heartbeating. */
  @SuppressWarnings("unchecked")
  public List<String> expired(int limit) {
    return getEntityManager()
        .createNativeQuery(
            "select id from leases where status in ('acquired', 'active') and expires_at < now()"
                + " order by expires_at limit ?1")
        .setParameter(1, limit)
        .getResultList();
  }

  /** The leases waiting (pending) to sit on host lease {@code hostLeaseId}: working copies. */
  public List<Lease> waitingOn(String hostLeaseId) {
    return list("hostLeaseId = ?1 and status = ?2", hostLeaseId, LeaseStatus.PENDING);
  }

  /** Ids of the working-copy leases still held or prepared on host lease {@code hostLeaseId}. */
  @SuppressWarnings("unchecked")
  public List<String> sittingOn(String hostLeaseId) {
    return getEntityManager()
        .createNativeQuery(
            "select id from leases where host_lease_id = ?1 and status in ('acquired', 'active')")
        .setParameter(1, hostLeaseId)
        .getResultList();
  }

  /**
   * Leases, newest first (by {@code seq}), optionally of one status and owner, starting after the
   * lease of {@code seq} {@code afterSeq} (null: from the newest); at most {@code limit}.
   */
  public List<Lease> list(LeaseStatus status, String owner, Long afterSeq, int limit) {
    StringBuilder query = new StringBuilder("1 = 1");
    Parameters parameters = new Parameters();
    if (status != null) {
      query.append(" and status = :status");
      parameters.and("status", status);
    }
    if (owner != null) {
      query.append(" and owner = :owner");
      parameters.and("owner", owner);
    }
    if (afterSeq != null) {
      query.append(" and seq < :afterSeq");
      parameters.and("afterSeq", afterSeq);
    }
    return find(query + " order by seq desc", parameters).page(0, limit).list();
  }

  /**
   * Deletes up to {@code batch} lease transitions recorded longer than {@code age} ago (retention);
   * returns how many.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public int deleteHistoryOlderThan(Duration age, int batch) {
    return getEntityManager()
        .createNativeQuery(
            "delete from lease_history where id = any(array(select id from lease_history"
                + " where at < now() - cast(?1 as interval) order by id limit ?2))")
        .setParameter(1, age.toSeconds() + " seconds")
        .setParameter(2, batch)
        .executeUpdate();
  }

  /**
   * Deletes the ended leases {@code owner} (an ended build) held, with their histories (retention;
   * the build's steps and commands first), and its lease groups left with no member. A lease still
   * held stays.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public void deleteEndedOf(String owner) {
    var em = getEntityManager();
    String ended =
        "select id from leases where owner = ?1 and status in ('released', 'failed', 'broken')";
    em.createNativeQuery(
            "update leases set host_lease_id = null where host_lease_id in (" + ended + ")")
        .setParameter(1, owner)
        .executeUpdate();
    em.createNativeQuery("delete from lease_history where lease_id in (" + ended + ")")
        .setParameter(1, owner)
        .executeUpdate();
    em.createNativeQuery("delete from leases where id in (" + ended + ")")
        .setParameter(1, owner)
        .executeUpdate();
    em.createNativeQuery(
            "delete from lease_groups g where owner = ?1"
                + " and not exists (select 1 from leases where group_id = g.id)")
        .setParameter(1, owner)
        .executeUpdate();
  }
}
