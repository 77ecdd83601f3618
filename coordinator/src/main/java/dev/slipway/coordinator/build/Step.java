package dev.slipway.coordinator.build;

import dev.slipway.common.status.StepStatus;
import dev.slipway.coordinator.plan.StepSpec;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** One step of a build, in plan order. */
@Entity
@Table(name = "steps")
@IdClass(Step.Key.class)
public class Step {

  /** Primary key: build id and step name. */
  public record Key(String buildId, String name) implements Serializable {
    public Key() {
      this(null, null);
    }
  }

  @Id
  @Column(name = "build_id")
  public String buildId;

  @Id public String name;

  public int idx;

  public String kind;

  @JdbcTypeCode(SqlTypes.JSON)
  public StepSpec spec;

  @Convert(converter = StatusConverters.StepStatusConverter.class)
  public StepStatus status;

  @Column(name = "exit_code")
  public Integer exitCode;

  public String reason;

  @Column(name = "lease_id")
  public String leaseId;

  /** The command it runs (a run or artifact step); null for a lease or wait step. */
  @Column(name = "command_id")
  public String commandId;

  /**
   * Its log: its command's id, or for a lease-working-copy step the id under which its checkout's
   * output is stored; null when it has no log (a lease-host or wait step).
   */
  @Column(name = "log_id")
  public String logId;

  @Column(name = "started_at")
  public Instant startedAt;

  @Column(name = "finished_at")
  public Instant finishedAt;

  /** When the release of a lease step's lease was asked for because no step left needed it. */
  @Column(name = "lease_released_at")
  public Instant leaseReleasedAt;
}
