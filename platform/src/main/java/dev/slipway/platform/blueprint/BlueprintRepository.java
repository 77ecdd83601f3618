package dev.slipway.platform.blueprint;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

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
}
