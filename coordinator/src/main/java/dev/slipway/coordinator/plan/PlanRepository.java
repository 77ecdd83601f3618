package dev.slipway.coordinator.plan;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.util.List;
import java.util.Optional;

@ApplicationScoped
public class PlanRepository implements PanacheRepositoryBase<Plan, String> {

  /**
   * Adds plan {@code name} at version 1 unless a plan of that name exists (or is being added by a
   * transaction that then commits); returns whether this call added it.
   */
  boolean insertIfAbsent(String name, String yaml) {
    return getEntityManager()
            .createNativeQuery(
                "insert into plans (name, yaml, version, updated_at) values (?1, ?2, 1, now())"
                    + " on conflict (name) do nothing")
            .setParameter(1, name)
            .setParameter(2, yaml)
            .executeUpdate()
        == 1;
  }

  /** Plan {@code name}, locked until the transaction ends, so that saves of it take turns. */
  Optional<Plan> lock(String name) {
    return findByIdOptional(name, LockModeType.PESSIMISTIC_WRITE);
  }

  /** Version {@code version} of plan {@code name}. */
  public Optional<PlanVersion> version(String name, int version) {
    return Optional.ofNullable(
        getEntityManager().find(PlanVersion.class, new PlanVersion.Key(name, version)));
  }

  /** Every version of plan {@code name}, newest first. */
  public List<PlanVersion> versions(String name) {
    return getEntityManager()
        .createQuery(
            "from PlanVersion where planName = ?1 order by version desc", PlanVersion.class)
        .setParameter(1, name)
        .getResultList();
  }

  void addVersion(PlanVersion version) {
    getEntityManager().persist(version);
  }
}
