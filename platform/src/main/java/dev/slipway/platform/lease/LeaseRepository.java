package dev.slipway.platform.lease;

import dev.slipway.common.status.LeaseStatus;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.util.List;
import java.util.Optional;

/** Lease queries. */
@ApplicationScoped
public class LeaseRepository implements PanacheRepositoryBase<Lease, String> {

  /** Loads a lease and locks its row until the transaction ends. */
  public Optional<Lease> lock(String id) {
    return findByIdOptional(id, LockModeType.PESSIMISTIC_WRITE);
  }

  /**
   * A waiting lease in a queue: its id, and what it asks for (its attributes and pinning; for a
   * working copy also its repository and host lease).
   */
  public record Waiting(String id, String wants) {}

  /**
   * The queue of waiting leases of {@code type}, oldest first, without loading them: a drain looks
   * at each lease in turn and loads only those it may serve.
   */
  @SuppressWarnings("unchecked")
  public List<Waiting> queue(String type, int limit) {
    List<Object[]> rows =
        getEntityManager()
            .createNativeQuery(
                "select id, concat_ws(' ', attributes::text, pinned_resource_id, repository,"
                    + " host_lease_id) from leases"
                    + " where status = 'pending' and type = ?1 order by seq limit ?2")
            .setParameter(1, type)
            .setParameter(2, limit)
            .getResultList();
    return rows.stream().map(r -> new Waiting((String) r[0], (String) r[1])).toList();
  }

  /** Whether any lease of {@code type} is waiting. No locks. */
  public boolean anyWaiting(String type) {
    return !getEntityManager()
        .createNativeQuery("select 1 from leases where status = 'pending' and type = ?1 limit 1")
        .setParameter(1, type)
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

  /** Ids of pending leases that have waited longer than their wait timeout. */
  @SuppressWarnings("unchecked")
  public List<String> timedOut(long defaultWaitMillis, int limit) {
    return getEntityManager()
        .createNativeQuery(
            "select id from leases where status = 'pending' and created_at"
                + " + coalesce(wait_timeout_ms, ?1) * interval '1 millisecond' < now()"
                + " order by seq limit ?2")
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

  /** Ids of the working-copy leases still held or prepared on host lease {@code hostLeaseId}. */
  @SuppressWarnings("unchecked")
  public List<String> sittingOn(String hostLeaseId) {
    return getEntityManager()
        .createNativeQuery(
            "select id from leases where host_lease_id = ?1 and status in ('acquired', 'active')")
        .setParameter(1, hostLeaseId)
        .getResultList();
  }

  /** Lists leases, newest first, optionally of one status and owner. */
  public List<Lease> list(LeaseStatus status, String owner, int limit) {
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
    return find(query + " order by seq desc", parameters).page(0, limit).list();
  }
}
