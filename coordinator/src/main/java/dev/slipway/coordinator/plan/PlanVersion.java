package dev.slipway.coordinator.plan;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;

/**
 * One version of a plan: a YAML the plan had, numbered 1, 2, 3, ... per plan. Never changed once
 * written; {@link PlanService#save} adds one whenever a plan's YAML changes.
 */
@Entity
@Table(name = "plan_versions")
@IdClass(PlanVersion.Key.class)
public class PlanVersion {

  /** Primary key: plan name and version number. */
  public record Key(String planName, int version) implements Serializable {
    public Key() {
      this(null, 0);
    }
  }

  @Id
  @Column(name = "plan_name")
  public String planName;

  @Id public int version;

  public String yaml;

  @Column(name = "created_at")
  public Instant createdAt;

  /** Who saved it ({@code token:<name>}, {@code jwt:<subject>}); null for plans saved before. */
  @Column(name = "created_by")
  public String createdBy;
}
