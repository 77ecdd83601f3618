package dev.slipway.platform.artifact;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.util.List;
import java.util.Optional;

/** The {@code artifacts} table: what each build's artifacts are (the bytes are in the store). */
@ApplicationScoped
public class Artifacts implements PanacheRepositoryBase<Artifact, Artifact.Key> {

  /** Build {@code buildId}'s artifacts, by name. */
  @Transactional
  public List<Artifact> of(String buildId) {
    return list("buildId", Sort.ascending("name"), buildId);
  }

  /** Artifact {@code name} of build {@code buildId}, if one was stored. */
  @Transactional
  public Optional<Artifact> find(String buildId, String name) {
    return findByIdOptional(new Artifact.Key(buildId, name));
  }

  /** The bytes build {@code buildId} holds in the store, except artifact {@code except}'s. */
  @Transactional
  public long bytesOf(String buildId, String except) {
    Number sum =
        getEntityManager()
            .createQuery(
                "select coalesce(sum(a.sizeBytes), 0) from Artifact a"
                    + " where a.buildId = ?1 and a.name <> ?2",
                Number.class)
            .setParameter(1, buildId)
            .setParameter(2, except == null ? "" : except)
            .getSingleResult();
    return sum.longValue();
  }

  /**
   * Records what the store now holds for artifact {@code name}, replacing an earlier record; an
   * upsert ({@code insert ... on conflict do update}), so that two runners recording the same
   * artifact at the same moment (a copy redone after a takeover) both succeed, the last one's
   * record staying. A replaced record keeps its {@code created_at}.
   */
  @Transactional
  public Artifact record(
      String buildId, String name, String stepName, String kind, ArtifactStore.Stored stored) {
    getEntityManager()
        .createNativeQuery(
            "insert into artifacts (build_id, name, step_name, kind, size_bytes, sha256)"
                + " values (?1, ?2, ?3, ?4, ?5, ?6)"
                + " on conflict (build_id, name) do update set step_name = excluded.step_name,"
                + " kind = excluded.kind, size_bytes = excluded.size_bytes,"
                + " sha256 = excluded.sha256")
        .setParameter(1, buildId)
        .setParameter(2, name)
        .setParameter(3, stepName)
        .setParameter(4, kind)
        .setParameter(5, stored.sizeBytes())
        .setParameter(6, stored.sha256())
        .executeUpdate();
    Artifact artifact = findById(new Artifact.Key(buildId, name));
    getEntityManager().refresh(artifact); // loaded earlier in this transaction: as it is now
    return artifact;
  }

  /** Deletes the records of build {@code buildId}'s artifacts (their bytes: the store's). */
  @Transactional(Transactional.TxType.MANDATORY)
  public void deleteOf(String buildId) {
    delete("buildId", buildId);
  }
}
