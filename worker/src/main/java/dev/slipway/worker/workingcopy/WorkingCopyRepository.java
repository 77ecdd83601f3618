package dev.slipway.worker.workingcopy;

import dev.slipway.common.attributes.Ranking;
import dev.slipway.common.events.EventCodec;
import dev.slipway.platform.command.CommandRepository;
import dev.slipway.platform.resource.Resource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Working-copy queries. Reservations of copies happen while the allocator holds the working-copy
 * queue lock, so that counting a host's copies and making one more are not raced by another
 * allocator; cleaning workers only ever give a copy back.
 */
@ApplicationScoped
public class WorkingCopyRepository {

  /** A host with an idle copy of the repository first, then the usual host ranking. */
  private static final String HOST_ORDER =
      Ranking.sqlOrder(
          "case when exists (select 1 from resources c where c.type = 'working-copy'"
              + " and c.host_id = h.id and c.status = 'active' and c.leases_held = 0"
              + " and c.attributes ->> 'repository' = ?2) then 0 else 1 end");

  @Inject EntityManager entityManager;
  @Inject CommandRepository commands;

  /**
   * Active, enabled, non-windows hosts with a free slot whose attributes contain {@code
   * attributes}, best first for a copy of {@code repository}.
   */
  @SuppressWarnings("unchecked")
  public List<String> hostCandidates(Map<String, String> attributes, String repository, int limit) {
    return entityManager
        .createNativeQuery(
            """
            select h.id from resources h
            where h.type = 'host' and h.status = 'active' and h.enabled
              and h.leases_held < h.slots
              and h.blueprint_id in (select id from blueprints where enabled)
              and h.attributes @> cast(?1 as jsonb)
              and coalesce(h.attributes ->> 'platform', 'linux') <> 'windows'
            order by %s
            limit ?3
            """
                .formatted(HOST_ORDER))
        .setParameter(1, EventCodec.tree(attributes).toString())
        .setParameter(2, repository)
        .setParameter(3, limit)
        .getResultList();
  }

  /**
   * Takes the most recently used idle copy of {@code repository} on host {@code hostId}.
   *
   * @return its id, or empty when there is none
   */
  @Transactional(Transactional.TxType.MANDATORY)
  @SuppressWarnings("unchecked")
  public Optional<String> reserveIdle(String hostId, String repository) {
    List<String> ids =
        entityManager
            .createNativeQuery(
                """
                update resources set leases_held = 1, updated_at = now()
                where id = (
                  select id from resources
                  where type = 'working-copy' and status = 'active' and host_id = ?1
                    and attributes ->> 'repository' = ?2 and leases_held = 0
                  order by updated_at desc
                  limit 1
                  for update skip locked)
                and leases_held = 0
                returning id
                """)
            .setParameter(1, hostId)
            .setParameter(2, repository)
            .getResultList();
    return ids.stream().findFirst();
  }

  /** Takes the slot of a copy that was just made. */
  @Transactional(Transactional.TxType.MANDATORY)
  public void reserve(String copyId) {
    entityManager
        .createNativeQuery("update resources set leases_held = 1, updated_at = now() where id = ?1")
        .setParameter(1, copyId)
        .executeUpdate();
  }

  /** Gives the slot of a clean copy back: it is idle, and its last use is now (for LRU). */
  @Transactional(Transactional.TxType.MANDATORY)
  public void giveBack(String copyId) {
    entityManager
        .createNativeQuery(
            "update resources set leases_held = 0, busy_since = null, busy_by = null,"
                + " updated_at = now() where id = ?1")
        .setParameter(1, copyId)
        .executeUpdate();
  }

  /** What a host's copies take: those being made or kept (not those being deleted). */
  public record Usage(long copies, long bytes) {}

  public Usage usage(String hostId) {
    Object[] row =
        (Object[])
            entityManager
                .createNativeQuery(
                    "select count(*), coalesce(sum(size_bytes), 0) from resources"
                        + " where type = 'working-copy' and host_id = ?1"
                        + " and status in ('pending', 'active')")
                .setParameter(1, hostId)
                .getSingleResult();
    return new Usage(((Number) row[0]).longValue(), ((Number) row[1]).longValue());
  }

  /** Locks the least recently used idle copy on host {@code hostId}, if there is one. */
  @Transactional(Transactional.TxType.MANDATORY)
  @SuppressWarnings("unchecked")
  public Optional<Resource> lockLeastRecentlyUsedIdle(String hostId) {
    List<Resource> found =
        entityManager
            .createNativeQuery(
                """
                select * from resources
                where type = 'working-copy' and status = 'active' and host_id = ?1
                  and leases_held = 0
                order by updated_at
                limit 1
                for update skip locked
                """,
                Resource.class)
            .setParameter(1, hostId)
            .getResultList();
    return found.stream().findFirst();
  }

  /** Whether a command still runs for lease {@code leaseId} (e.g. one being killed). */
  public boolean commandsRunning(String leaseId) {
    return commands.runningOn(leaseId);
  }

  /** The last lease that held copy {@code copyId}. */
  @SuppressWarnings("unchecked")
  public Optional<String> lastLeaseOf(String copyId) {
    List<String> ids =
        entityManager
            .createNativeQuery(
                "select id from leases where resource_id = ?1 order by seq desc limit 1")
            .setParameter(1, copyId)
            .getResultList();
    return ids.stream().findFirst();
  }

  /** Renews this worker's claims: the leases it prepares and the copies it cleans or deletes. */
  @Transactional(Transactional.TxType.MANDATORY)
  public void renew(String worker, List<String> leaseIds, List<String> copyIds) {
    if (!leaseIds.isEmpty()) {
      entityManager
          .createNativeQuery(
              "update leases set preparing_since = now() where id in (?1) and preparing_by = ?2")
          .setParameter(1, leaseIds)
          .setParameter(2, worker)
          .executeUpdate();
    }
    if (!copyIds.isEmpty()) {
      entityManager
          .createNativeQuery(
              "update resources set busy_since = now() where id in (?1) and busy_by = ?2")
          .setParameter(1, copyIds)
          .setParameter(2, worker)
          .executeUpdate();
    }
  }

  /** Claims, for {@code worker}, acquired working-copy leases whose preparer stopped renewing. */
  @Transactional(Transactional.TxType.MANDATORY)
  public List<String> claimStalePreparations(String worker, long staleMillis, int limit) {
    return claimStale("leases", "preparing", "status = 'acquired'", worker, staleMillis, limit);
  }

  /** Claims, for {@code worker}, copies whose cleaning or deletion stopped being renewed. */
  @Transactional(Transactional.TxType.MANDATORY)
  public List<String> claimStaleCopies(String worker, long staleMillis, int limit) {
    return claimStale("resources", "busy", "true", worker, staleMillis, limit);
  }

  /**
   * Takes over the stale claims ({@code <claim>_since}, {@code <claim>_by}) of working-copy rows of
   * {@code table}; their ids.
   */
  @SuppressWarnings("unchecked")
  private List<String> claimStale(
      String table, String claim, String condition, String worker, long staleMillis, int limit) {
    return entityManager
        .createNativeQuery(
            """
            update %1$s set %2$s_since = now(), %2$s_by = ?3
            where id in (
              select id from %1$s
              where type = 'working-copy' and %3$s
                and %2$s_since < now() - ?1 * interval '1 millisecond'
              limit ?2
              for update skip locked)
            returning id
            """
                .formatted(table, claim, condition))
        .setParameter(1, staleMillis)
        .setParameter(2, limit)
        .setParameter(3, worker)
        .getResultList();
  }
}
