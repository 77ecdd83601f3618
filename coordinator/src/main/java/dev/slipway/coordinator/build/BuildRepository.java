package dev.slipway.coordinator.build;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import jakarta.persistence.TypedQuery;
import jakarta.transaction.Transactional;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds and their steps (their commands: {@link dev.slipway.platform.command.CommandRepository}).
 */
@ApplicationScoped
public class BuildRepository implements PanacheRepositoryBase<Build, String> {

  /** Loads a build and locks it, so that events about one build apply one at a time. */
  public Optional<Build> lock(String id) {
    return findByIdOptional(id, LockModeType.PESSIMISTIC_WRITE);
  }

  /** Step {@code name} of build {@code buildId}; null when there is none. */
  public Step step(String buildId, String name) {
    return getEntityManager().find(Step.class, new Step.Key(buildId, name));
  }

  public List<Step> steps(String buildId) {
    return getEntityManager()
        .createQuery("from Step where buildId = ?1 order by idx", Step.class)
        .setParameter(1, buildId)
        .getResultList();
  }

  /** The step of build {@code buildId} whose log is {@code logId}. */
  public Optional<Step> stepOfLog(String buildId, String logId) {
    return getEntityManager()
        .createQuery("from Step where buildId = ?1 and logId = ?2", Step.class)
        .setParameter(1, buildId)
        .setParameter(2, logId)
        .getResultStream()
        .findFirst();
  }

  public Optional<Step> stepOfLease(String leaseId) {
    return getEntityManager()
        .createQuery("from Step where leaseId = ?1", Step.class)
        .setParameter(1, leaseId)
        .getResultStream()
        .findFirst();
  }

  /**
   * Builds that match {@code filter}, newest first (ties by id, descending), starting after {@code
   * after} (null: from the newest); at most {@code limit}.
   */
  public List<Build> newest(BuildFilter filter, BuildCursor after, int limit) {
    List<String> where = new ArrayList<>();
    Map<String, Object> parameters = new LinkedHashMap<>();
    condition(where, parameters, "planName", filter.plan());
    condition(where, parameters, "status", filter.status());
    condition(where, parameters, "branch", filter.branch());
    condition(where, parameters, "requestedBy", filter.requestedBy());
    if (after != null) {
      where.add("(createdAt, id) < (:afterCreatedAt, :afterId)");
      parameters.put("afterCreatedAt", after.createdAt());
      parameters.put("afterId", after.id());
    }
    String hql =
        "from Build"
            + (where.isEmpty() ? "" : " where " + String.join(" and ", where))
            + " order by createdAt desc, id desc";
    TypedQuery<Build> query = getEntityManager().createQuery(hql, Build.class);
    parameters.forEach(query::setParameter);
    return query.setMaxResults(limit).getResultList();
  }

  private static void condition(
      List<String> where, Map<String, Object> parameters, String field, Object value) {
    if (value != null) {
      where.add(field + " = :" + field);
      parameters.put(field, value);
    }
  }

  /**
   * Deletes ended build {@code buildId} and its steps (retention; its commands, logs and artifacts
   * first); a build restarted from it keeps running without the link.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public void deleteEnded(String buildId) {
    var em = getEntityManager();
    em.createNativeQuery("update builds set restart_of = null where restart_of = ?1")
        .setParameter(1, buildId)
        .executeUpdate();
    em.createNativeQuery("delete from steps where build_id = ?1")
        .setParameter(1, buildId)
        .executeUpdate();
    em.createNativeQuery("delete from builds where id = ?1")
        .setParameter(1, buildId)
        .executeUpdate();
  }
}
