package dev.slipway.platform.secrets;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * A named secret for builds ({@code ${secrets.NAME}} in a run step's {@code env}); its value is a
 * credential of kind {@code build-secret}, encrypted, and never shown again.
 */
@Entity
@Table(name = "build_secrets")
public class BuildSecret {

  public static final String KIND = "build-secret";

  @Id public String name;

  @Column(name = "credential_id")
  public String credentialId;

  @Column(name = "created_at", insertable = false, updatable = false)
  public Instant createdAt;

  @Column(name = "created_by")
  public String createdBy;

  @Column(name = "updated_at")
  public Instant updatedAt;

  @Column(name = "updated_by")
  public String updatedBy;

  @Override
  public String toString() {
    return "BuildSecret[" + name + "]";
  }
}
