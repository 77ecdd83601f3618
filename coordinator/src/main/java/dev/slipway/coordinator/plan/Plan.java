package dev.slipway.coordinator.plan;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A named build plan; builds keep a copy of the YAML they ran. */
@Entity
@Table(name = "plans")
public class Plan {

  @Id public String name;

  public String yaml;

  @Column(name = "created_at", insertable = false, updatable = false)
  public Instant createdAt;

  @Column(name = "updated_at")
  public Instant updatedAt;
}
