package dev.slipway.worker.provisioning;

import dev.slipway.common.status.LeaseStatus;
import dev.slipway.platform.blueprint.BlueprintRecord;
import dev.slipway.platform.blueprint.ScriptHostConfig;
import dev.slipway.platform.lease.Lease;
import dev.slipway.platform.resource.Resource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The statements on {@code resources} (and its log) that only dynamic hosts need: counting a
 * blueprint's hosts against its limits, reserving a slot on a host still being made, and the claims
 * a worker holds while it makes or destroys one ({@code busy_since}/{@code busy_by}, as working
 * copies use them). Every method runs in the caller's transaction.
 */
@ApplicationScoped
public class DynamicHostRepository {

  /** How many hosts of a blueprint are in each phase: what its limits are checked against. */
  public record Counts(long alive, long provisioning, long idle, long warming) {}

  @Inject EntityManager entityManager;

  /** The script-host blueprints, enabled or not. */
  @Transactional(Transactional.TxType.MANDATORY)
  public List<BlueprintRecord> blueprints() {
    return entityManager
        .createQuery("from BlueprintRecord where kind = ?1 order by name", BlueprintRecord.class)
        .setParameter(1, ScriptHostConfig.KIND)
        .getResultList();
  }

  /** Whether any script-host blueprint is enabled. */
  @Transactional(Transactional.TxType.MANDATORY)
  public boolean anyEnabled() {
    return Boolean.TRUE.equals(
        entityManager
            .createNativeQuery(
                "select exists (select 1 from blueprints where kind = ?1 and enabled)")
            .setParameter(1, ScriptHostConfig.KIND)
            .getSingleResult());
  }

  /** How many hosts of {@code blueprintId} are alive, being made, ready and idle, made unleased. */
  @Transactional(Transactional.TxType.MANDATORY)
  public Counts counts(String blueprintId) {
    Object[] row =
        (Object[])
            entityManager
                .createNativeQuery(
                    """
                    select count(*) filter (where status <> 'destroyed'),
                           count(*) filter (where status = 'pending'),
                           count(*) filter (where status = 'active' and leases_held = 0),
                           count(*) filter (where status = 'pending' and leases_held = 0)
                    from resources where blueprint_id = ?1 and type = 'host'
                    """)
                .setParameter(1, blueprintId)
                .getSingleResult();
    return new Counts(n(row[0]), n(row[1]), n(row[2]), n(row[3]));
  }

  /**
   * Reserves a slot on a host of {@code blueprintId} that is still being made and has one free: the
   * lease waits for that host instead of making another.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  @SuppressWarnings("unchecked")
  public Optional<String> reserveOnPending(String blueprintId) {
    List<String> ids =
        entityManager
            .createNativeQuery(
                """
                update resources set leases_held = leases_held + 1
                where id = (
                  select id from resources
                  where blueprint_id = ?1 and type = 'host' and status = 'pending' and enabled
                    and leases_held < slots
                  order by created_at
                  limit 1
                  for update skip locked)
                and status = 'pending' and leases_held < slots
                returning id
                """)
            .setParameter(1, blueprintId)
            .getResultList();
    return ids.stream().findFirst();
  }

  /** Takes one slot of new host {@code id} for the lease it is made for. */
  @Transactional(Transactional.TxType.MANDATORY)
  public void reserve(String id) {
    entityManager
        .createNativeQuery("update resources set leases_held = leases_held + 1 where id = ?1")
        .setParameter(1, id)
        .executeUpdate();
  }

  /** Host {@code id}, locked until the transaction ends and read afresh. */
  @Transactional(Transactional.TxType.MANDATORY)
  public Optional<Resource> lock(String id) {
    Resource resource = entityManager.find(Resource.class, id, LockModeType.PESSIMISTIC_WRITE);
    if (resource != null) {
      entityManager.refresh(resource);
    }
    return Optional.ofNullable(resource);
  }

  /**
   * The leases waiting in {@code acquired} for host {@code id} to be ready, locked (a release or a
   * heartbeat of one of them waits, instead of failing the host's activation on its version).
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public List<Lease> acquiredOn(String id) {
    return entityManager
        .createQuery("from Lease where resourceId = ?1 and status = ?2 order by id", Lease.class)
        .setParameter(1, id)
        .setParameter(2, LeaseStatus.ACQUIRED)
        .setLockMode(LockModeType.PESSIMISTIC_WRITE)
        .getResultList();
  }

  /** Ready hosts of {@code blueprintId} with no lease, the longest idle first. */
  @Transactional(Transactional.TxType.MANDATORY)
  @SuppressWarnings("unchecked")
  public List<Object[]> idle(String blueprintId) {
    return entityManager
        .createNativeQuery(
            """
            select id, extract(epoch from (now() - updated_at)) * 1000
            from resources
            where blueprint_id = ?1 and type = 'host' and status = 'active' and leases_held = 0
              and busy_by is null
            order by updated_at
            """)
        .setParameter(1, blueprintId)
        .getResultList();
  }

  /** Renews this worker's claims on the hosts it is making or destroying. */
  @Transactional(Transactional.TxType.MANDATORY)
  public void renew(String worker, List<String> ids) {
    if (!ids.isEmpty()) {
      entityManager
          .createNativeQuery(
              "update resources set busy_since = now() where id in (?1) and busy_by = ?2")
          .setParameter(1, ids)
          .setParameter(2, worker)
          .executeUpdate();
    }
  }

  /**
   * Claims, for {@code worker}, dynamic hosts that need a worker and have none: being made or
   * destroyed by a worker that stopped renewing its claim, or released or broken with no lease and
   * no claim for {@code retry} (a destroy that failed, or one a worker never got to).
   */
  @Transactional(Transactional.TxType.MANDATORY)
  @SuppressWarnings("unchecked")
  public List<String> claimOrphans(String worker, Duration stale, Duration retry, int limit) {
    return entityManager
        .createNativeQuery(
            """
            update resources set busy_since = now(), busy_by = ?3
            where id in (
              select r.id from resources r join blueprints b on b.id = r.blueprint_id
              where b.kind = ?5 and r.type = 'host'
                and ((r.busy_by is not null
                      and r.busy_since < now() - ?1 * interval '1 millisecond'
                      and r.status in ('pending', 'released', 'broken'))
                  or (r.busy_by is null and r.status in ('released', 'broken')
                      and r.leases_held = 0
                      and r.updated_at < now() - ?4 * interval '1 millisecond'))
              order by r.updated_at
              limit ?2
              for update of r skip locked)
            returning id
            """)
        .setParameter(1, stale.toMillis())
        .setParameter(2, limit)
        .setParameter(3, worker)
        .setParameter(4, retry.toMillis())
        .setParameter(5, ScriptHostConfig.KIND)
        .getResultList();
  }

  /**
   * Appends {@code lines} from {@code source} (e.g. {@code provision}) to host {@code id}'s log.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public void log(String id, String source, List<String> lines) {
    for (String line : lines) {
      entityManager
          .createNativeQuery(
              "insert into resource_log (resource_id, source, line) values (?1, ?2, ?3)")
          .setParameter(1, id)
          .setParameter(2, source)
          .setParameter(3, line.replace('\0', ' '))
          .executeUpdate();
    }
  }

  /** This installation's tag, which its scripts put on what they make. */
  @Transactional(Transactional.TxType.MANDATORY)
  public String tag() {
    return (String)
        entityManager.createNativeQuery("select tag from installation").getSingleResult();
  }

  /**
   * Whether an instance with {@code providerId} or made with {@code token} belongs to a host that
   * is not destroyed yet, of any blueprint (several may share a provider and its tag). A host being
   * made is known by its token from before its {@code provision} runs.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public boolean known(String providerId, String token) {
    return Boolean.TRUE.equals(
        entityManager
            .createNativeQuery(
                """
                select exists (select 1 from resources
                  where type = 'host' and status <> 'destroyed'
                    and (provider_id = ?1 or token = ?2))
                """)
            .setParameter(1, providerId)
            .setParameter(2, token)
            .getSingleResult());
  }

  /** Ready hosts of {@code blueprintId} that a provider listing should show, by provider id. */
  @Transactional(Transactional.TxType.MANDATORY)
  @SuppressWarnings("unchecked")
  public List<Object[]> listed(String blueprintId) {
    return entityManager
        .createNativeQuery(
            "select id, provider_id from resources where blueprint_id = ?1 and status = 'active'"
                + " and provider_id is not null")
        .setParameter(1, blueprintId)
        .getResultList();
  }

  private static long n(Object value) {
    return ((Number) value).longValue();
  }
}
