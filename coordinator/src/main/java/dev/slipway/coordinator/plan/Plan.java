package dev.slipway.coordinator.plan;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * A named build plan: its current YAML and which {@link PlanVersion} that is. Builds keep a copy of
 * the YAML they ran and its version number.
 */
@Entity
@Table(name = "plans")
public class Plan {

  @Id public String name;

  /** The current version's YAML. */
  public String yaml;

  /** The current version: 1 for a new plan, one more for every save that changed the YAML. */
  @Column(name = "version")
  public int version;

  @Column(name = "created_at", insertable = false, updatable = false)
  public Instant createdAt;

  @Column(name = "updated_at")
  public Instant updatedAt;
}
