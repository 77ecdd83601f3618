package dev.slipway.platform.blueprint;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Blueprint records. */
@ApplicationScoped
public class BlueprintRepository implements PanacheRepositoryBase<BlueprintRecord, String> {

  /** The names of the blueprints whose config names credential {@code id} as its hosts' key. */
  @SuppressWarnings("unchecked")
  public List<String> namingCredential(String id) {
    return getEntityManager()
        .createNativeQuery(
            "select name from blueprints where config ->> 'credentialId' = ?1 order by name",
            String.class)
        .setParameter(1, id)
        .getResultList();
  }

  /** The kind of the blueprint that made resource {@code resourceId}, if the resource exists. */
  public Optional<String> kindOf(String resourceId) {
    return getEntityManager()
        .createNativeQuery(
            "select b.kind from resources r join blueprints b on b.id = r.blueprint_id"
                + " where r.id = ?1",
            String.class)
        .setParameter(1, resourceId)
        .getResultStream()
        .findFirst()
        .map(String.class::cast);
  }

  /**
   * The kind of the blueprint that made the resource of each of the leases {@code leaseIds} that
   * holds one, by resource id.
   */
  @SuppressWarnings("unchecked")
  public Map<String, String> kindsOfLeases(Collection<String> leaseIds) {
    List<Object[]> rows =
        getEntityManager()
            .createNativeQuery(
                "select r.id, b.kind from leases l join resources r on r.id = l.resource_id"
                    + " join blueprints b on b.id = r.blueprint_id"
                    + " where l.id = any(cast(?1 as text[]))")
            .setParameter(1, leaseIds.toArray(new String[0]))
            .getResultList();
    Map<String, String> kinds = new HashMap<>();
    for (Object[] row : rows) {
      kinds.put((String) row[0], (String) row[1]);
    }
    return kinds;
  }
}
