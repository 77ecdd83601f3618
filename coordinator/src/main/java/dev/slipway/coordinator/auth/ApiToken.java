package dev.slipway.coordinator.auth;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * An API token: a name, a role and the SHA-256 of its secret. The secret ({@code slw_...}) is shown
 * once, when the token is created, and never stored.
 */
@Entity
@Table(name = "api_tokens")
public class ApiToken {

  @Id public String id;

  public String name;

  public String role;

  @Column(name = "secret_hash")
  public String secretHash;

  @Column(name = "created_at", insertable = false, updatable = false)
  public Instant createdAt;

  @Column(name = "created_by")
  public String createdBy;

  @Column(name = "last_used_at")
  public Instant lastUsedAt;

  @Column(name = "expires_at")
  public Instant expiresAt;

  @Column(name = "revoked_at")
  public Instant revokedAt;

  @Column(name = "revoked_by")
  public String revokedBy;

  /** Whether the token may be used at {@code now}: not revoked, not expired. */
  public boolean isValidAt(Instant now) {
    return revokedAt == null && (expiresAt == null || expiresAt.isAfter(now));
  }

  @Override
  public String toString() {
    return "ApiToken[" + id + ", " + name + ", " + role + "]";
  }
}
