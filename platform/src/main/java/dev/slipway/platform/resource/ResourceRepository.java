package dev.slipway.platform.resource;

import dev.slipway.common.events.EventCodec;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Resource queries, including the one atomic statement that reserves a slot. */
@ApplicationScoped
public class ResourceRepository implements PanacheRepositoryBase<Resource, String> {

  /**
   * Reserves one slot on the least loaded active, enabled resource of {@code type} whose attributes
   * contain {@code attributes} (only {@code pinnedId} when given). One statement: rows another
   * allocator is reserving are skipped, and the database refuses more leases than slots.
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
                    and attributes @> cast(?2 as jsonb)
                    and (cast(?3 as text) is null or id = ?3)
                  order by leases_held, created_at, id
                  limit 1
                  for update skip locked)
                and leases_held < slots
                returning id
                """)
            .setParameter(1, type)
            .setParameter(2, EventCodec.tree(attributes).toString())
            .setParameter(3, pinnedId)
            .getResultList();
    return ids.stream().findFirst();
  }

  /** Frees one slot of resource {@code id}. */
  @Transactional(Transactional.TxType.MANDATORY)
  public void freeSlot(String id) {
    getEntityManager()
        .createNativeQuery(
            "update resources set leases_held = leases_held - 1, updated_at = now()"
                + " where id = ?1 and leases_held > 0")
        .setParameter(1, id)
        .executeUpdate();
  }

  /**
   * Whether any resource of {@code type} that is not destroyed could ever serve these attributes
   * (ignoring its current load). Takes no locks.
   */
  public boolean anyCouldServe(String type, Map<String, String> attributes, String pinnedId) {
    Number count =
        (Number)
            getEntityManager()
                .createNativeQuery(
                    """
                    select count(*) from resources
                    where type = ?1 and status in ('pending', 'active') and enabled
                      and slots > 0
                      and attributes @> cast(?2 as jsonb)
                      and (cast(?3 as text) is null or id = ?3)
                    """)
                .setParameter(1, type)
                .setParameter(2, EventCodec.tree(attributes).toString())
                .setParameter(3, pinnedId)
                .getSingleResult();
    return count.longValue() > 0;
  }
}
