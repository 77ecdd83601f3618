package dev.slipway.coordinator.build;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.util.List;
import java.util.Optional;

/** Builds, their steps and commands. */
@ApplicationScoped
public class BuildRepository implements PanacheRepositoryBase<Build, String> {

  /** Loads a build and locks it, so that events about one build apply one at a time. */
  public Optional<Build> lock(String id) {
    return findByIdOptional(id, LockModeType.PESSIMISTIC_WRITE);
  }

  public List<Step> steps(String buildId) {
    return getEntityManager()
        .createQuery("from Step where buildId = ?1 order by idx", Step.class)
        .setParameter(1, buildId)
        .getResultList();
  }

  public Optional<Step> stepOfLease(String leaseId) {
    return getEntityManager()
        .createQuery("from Step where leaseId = ?1", Step.class)
        .setParameter(1, leaseId)
        .getResultStream()
        .findFirst();
  }

  public Optional<Command> command(String id) {
    return Optional.ofNullable(getEntityManager().find(Command.class, id));
  }
}
