package dev.slipway.platform.resource;

import dev.slipway.common.attributes.Ranking;
import dev.slipway.common.events.EventCodec;
import dev.slipway.common.status.ResourceStatus;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Resource queries, including the one atomic statement that reserves a slot. */
@ApplicationScoped
public class ResourceRepository implements PanacheRepositoryBase<Resource, String> {

  /** Hosts cost the same to lease: ranked by load, then age ({@link Ranking}). */
  private static final String HOST_ORDER = Ranking.sqlOrder(null);

  /**
   * Reserves one slot on the best ranked ({@link Ranking}: least loaded) active, enabled resource
   * of {@code type} whose attributes contain {@code attributes} (only {@code pinnedId} when given).
   * One statement: rows another allocator is reserving are skipped, and the database refuses more
   * leases than slots.
   *
   * @return the id of the resource whose slot was taken, or empty when none is free
   */
  @Transactional(Transactional.TxType.MANDATORY)
  @SuppressWarnings("unchecked")
  public Optional<String> reserveSlot(
      String type, Map<String, String> attributes, String pinnedId) {
    List<String> ids =
        getEntityManager()
            .createNativeQuery(
                """
                update resources set leases_held = leases_held + 1, updated_at = now()
                where id = (
                  select id from resources
                  where type = ?1 and status = 'active' and enabled
                    and leases_held < slots
                    and blueprint_id in (select id from blueprints where enabled)
                    and attributes @> cast(?2 as jsonb)
                    and (cast(?3 as text) is null or id = ?3)
                  order by %s
                  limit 1
                  for update skip locked)
                and leases_held < slots
                returning id
                """
                    .formatted(HOST_ORDER))
            .setParameter(1, type)
            .setParameter(2, EventCodec.tree(attributes).toString())
            .setParameter(3, pinnedId)
            .getResultList();
    return ids.stream().findFirst();
  }

  /**
   * Sets the slots of resource {@code id}, unless it holds more leases than that. Bumps its
   * version: a loaded {@link Resource} must be refreshed after.
   *
   * @return whether the slots were set
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public boolean resize(String id, int slots) {
    return getEntityManager()
            .createNativeQuery(
                "update resources set slots = ?2, version = version + 1, updated_at = now()"
                    + " where id = ?1 and leases_held <= ?2")
            .setParameter(1, id)
            .setParameter(2, slots)
            .executeUpdate()
        == 1;
  }

  /**
   * Pins {@code hostKey} (an OpenSSH public key line) as the host key of host {@code id} unless one
   * is pinned already: the runner's pin on first contact. Bumps the host's version, so that an edit
   * that read the host before the pin fails instead of writing over the key.
   *
   * @return the key pinned afterwards (another connection may have pinned its key first)
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public String pinHostKey(String id, String hostKey) {
    getEntityManager()
        .createNativeQuery(
            "update resources set host_key = ?2, version = version + 1, updated_at = now()"
                + " where id = ?1 and host_key is null")
        .setParameter(1, id)
        .setParameter(2, hostKey)
        .executeUpdate();
    return (String)
        getEntityManager()
            .createNativeQuery("select host_key from resources where id = ?1")
            .setParameter(1, id)
            .getSingleResult();
  }

  /** What a resource holds once one of its slots was freed: its leases left, its status. */
  public record Freed(int leasesHeld, ResourceStatus status) {}

  /**
   * Frees one slot of resource {@code id}. Like {@link #reserveSlot}, it leaves the version alone:
   * the entity never writes {@code leases_held}, and operators' edits should not fail because a
   * build took or gave back a slot.
   *
   * @return what the resource holds now, read in the same statement; empty when it held no lease
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public Optional<Freed> freeSlot(String id) {
    List<?> rows =
        getEntityManager()
            .createNativeQuery(
                "update resources set leases_held = leases_held - 1, updated_at = now()"
                    + " where id = ?1 and leases_held > 0 returning leases_held, status")
            .setParameter(1, id)
            .getResultList();
    return rows.stream()
        .map(Object[].class::cast)
        .map(
            r ->
                new Freed(
                    ((Number) r[0]).intValue(), ResourceStatus.fromWire(String.valueOf(r[1]))))
        .findFirst();
  }

  /**
   * Whether any resource of {@code type} could ever serve these attributes: one that is pending or
   * active (even if disabled for now or fully used), has slots, and offers every pair. No locks.
   */
  public boolean anyCouldServe(String type, Map<String, String> attributes, String pinnedId) {
    return exists(
        "type = ?1 and status in ('pending', 'active') and slots > 0"
            + " and blueprint_id in (select id from blueprints where enabled)"
            + " and attributes @> cast(?2 as jsonb) and (cast(?3 as text) is null or id = ?3)",
        type,
        EventCodec.tree(attributes).toString(),
        pinnedId);
  }

  /** Whether any resource of {@code type} has a free slot now. No locks. */
  public boolean hasFreeSlot(String type) {
    return exists("type = ?1 and status = 'active' and enabled and leases_held < slots", type);
  }

  /** How many resources of {@code type} that can be leased offer these attributes. */
  public long countOffering(String type, Map<String, String> attributes) {
    return ((Number)
            getEntityManager()
                .createNativeQuery(
                    "select count(*) from resources where type = ?1"
                        + " and status in ('pending', 'active') and attributes @> cast(?2 as jsonb)")
                .setParameter(1, type)
                .setParameter(2, EventCodec.tree(attributes).toString())
                .getSingleResult())
        .longValue();
  }

  /** Resources of {@code type} (all types when null) whose attributes contain {@code filter}. */
  @SuppressWarnings("unchecked")
  public List<Resource> matching(String type, Map<String, String> filter) {
    return getEntityManager()
        .createNativeQuery(
            "select * from resources where (cast(?1 as text) is null or type = ?1)"
                + " and status <> 'destroyed' and attributes @> cast(?2 as jsonb)"
                + " order by type, name",
            Resource.class)
        .setParameter(1, type)
        .setParameter(2, EventCodec.tree(filter).toString())
        .getResultList();
  }

  private boolean exists(String condition, Object... parameters) {
    var query =
        getEntityManager()
            .createNativeQuery("select exists (select 1 from resources where " + condition + ")");
    for (int i = 0; i < parameters.length; i++) {
      query.setParameter(i + 1, parameters[i]);
    }
    return Boolean.TRUE.equals(query.getSingleResult());
  }

  /**
   * Deletes up to {@code batch} resource transitions recorded longer than {@code age} ago
   * (retention); returns how many.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public int deleteHistoryOlderThan(Duration age, int batch) {
    return getEntityManager()
        .createNativeQuery(
            "delete from resource_history where id = any(array(select id from resource_history"
                + " where at < now() - cast(?1 as interval) order by id limit ?2))")
        .setParameter(1, age.toSeconds() + " seconds")
        .setParameter(2, batch)
        .executeUpdate();
  }

  /** One move of a resource: the status it moved to, why, and when. */
  public record Transition(String status, String reason, Instant at) {}

  /** One line a blueprint's script wrote about a resource ({@code resource_log}). */
  public record LogLine(long id, Instant at, String source, String line) {}

  /** Every move of resource {@code id} still kept, oldest first. */
  @SuppressWarnings("unchecked")
  public List<Transition> history(String id) {
    List<Object[]> rows =
        getEntityManager()
            .createNativeQuery(
                "select status, reason, at from resource_history where resource_id = ?1"
                    + " order by id")
            .setParameter(1, id)
            .getResultList();
    return rows.stream()
        .map(r -> new Transition((String) r[0], (String) r[1], instant(r[2])))
        .toList();
  }

  /** Up to {@code limit} lines of resource {@code id}'s log after line {@code after}, in order. */
  @SuppressWarnings("unchecked")
  public List<LogLine> log(String id, long after, int limit) {
    List<Object[]> rows =
        getEntityManager()
            .createNativeQuery(
                "select id, at, source, line from resource_log where resource_id = ?1 and id > ?2"
                    + " order by id limit ?3")
            .setParameter(1, id)
            .setParameter(2, after)
            .setParameter(3, limit)
            .getResultList();
    return rows.stream()
        .map(
            r ->
                new LogLine(
                    ((Number) r[0]).longValue(), instant(r[1]), (String) r[2], (String) r[3]))
        .toList();
  }

  /**
   * Deletes up to {@code batch} lines of resources' logs written longer than {@code age} ago
   * (retention); returns how many.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public int deleteLogOlderThan(Duration age, int batch) {
    return getEntityManager()
        .createNativeQuery(
            "delete from resource_log where id = any(array(select id from resource_log"
                + " where at < now() - cast(?1 as interval) order by id limit ?2))")
        .setParameter(1, age.toSeconds() + " seconds")
        .setParameter(2, batch)
        .executeUpdate();
  }

  private static Instant instant(Object value) {
    if (value instanceof Instant i) {
      return i;
    }
    if (value instanceof OffsetDateTime o) {
      return o.toInstant();
    }
    if (value instanceof Timestamp t) {
      return t.toInstant();
    }
    return value == null ? null : Instant.parse(value.toString());
  }
}
