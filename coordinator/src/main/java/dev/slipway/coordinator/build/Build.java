package dev.slipway.coordinator.build;

import dev.slipway.common.status.BuildStatus;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** One run of a plan. Its status changes only through {@link BuildEngine}. */
@Entity
@Table(name = "builds")
public class Build {

  /** What every build's id begins with (a lease's owner, when a build asked for it). */
  public static final String ID_PREFIX = "build-";

  @Id public String id;

  @Column(name = "plan_name")
  public String planName;

  @Column(name = "plan_yaml")
  public String planYaml;

  /**
   * The plan version it ran ({@code plan_versions}): the one {@code planYaml} is a copy of. Null
   * for builds from before plan versions whose YAML no version holds.
   */
  @Column(name = "plan_version")
  public Integer planVersion;

  @Convert(converter = StatusConverters.BuildStatusConverter.class)
  public BuildStatus status;

  public String repository;

  @Column(name = "commit_id")
  public String commit;

  public String branch;

  @JdbcTypeCode(SqlTypes.JSON)
  public Map<String, String> variables = new HashMap<>();

  public String reason;

  /** The build's number among its plan's builds: 1, 2, 3, ... ({@code ${build.number}}). */
  public Long number;

  /** The plan's top-level timeout when the build started: it fails when it runs longer. */
  @Column(name = "timeout_seconds")
  public Long timeoutSeconds;

  /** The build this one repeats ({@code POST /api/v1/builds/{id}/restart}), or null. */
  @Column(name = "restart_of")
  public String restartOf;

  /** Who asked for the build: {@code token:<name>}, {@code jwt:<subject>}. */
  @Column(name = "requested_by")
  public String requestedBy;

  @Column(name = "created_at", insertable = false, updatable = false)
  public Instant createdAt;

  @Column(name = "started_at")
  public Instant startedAt;

  @Column(name = "finished_at")
  public Instant finishedAt;
}
