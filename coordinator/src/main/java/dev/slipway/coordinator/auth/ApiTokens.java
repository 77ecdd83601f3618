package dev.slipway.coordinator.auth;

import dev.slipway.common.auth.TokenSecrets;
import dev.slipway.coordinator.api.ApiException;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * Issues, checks and revokes API tokens. A secret is {@code slw_} followed by 256 random bits in
 * base64url (43 characters): the prefix lets secret scanners find a leaked one. Only its SHA-256 is
 * stored; a secret of 256 random bits needs no slow hash, since it cannot be guessed.
 */
@ApplicationScoped
public class ApiTokens implements PanacheRepositoryBase<ApiToken, String> {

  public static final String PREFIX = TokenSecrets.PREFIX;

  /**
   * How often a token's {@code last_used_at} is written at most. A token read as used within it is
   * not written at all. That check is by this JVM's clock, against a time the database wrote: a JVM
   * whose clock runs behind the database's refreshes it that much later (the statement itself
   * compares by the database's). It is only shown, never a deadline.
   */
  private static final Duration LAST_USED_EVERY = Duration.ofMinutes(1);

  /** A token just made, with the secret that is shown this once. */
  public record Issued(ApiToken token, String secret) {}

  /** Whether {@code text} has the shape of a Slipway API token's secret. */
  public static boolean isSecret(String text) {
    return TokenSecrets.isSecret(text);
  }

  /** A new random secret. */
  public static String newSecret() {
    return TokenSecrets.newSecret();
  }

  static String hash(String secret) {
    return TokenSecrets.hash(secret);
  }

  /** Makes a token with a new secret. */
  @Transactional
  public Issued create(String name, String role, Instant expiresAt, String createdBy) {
    return create(name, role, expiresAt, createdBy, newSecret());
  }

  /** Makes a token whose secret is {@code secret} (the bootstrap token an operator chose). */
  @Transactional(Transactional.TxType.MANDATORY)
  Issued create(String name, String role, Instant expiresAt, String createdBy, String secret) {
    if (!isSecret(secret)) {
      throw new IllegalArgumentException("not a Slipway token: slw_ and 43 base64url characters");
    }
    ApiToken token = new ApiToken();
    token.id = "tok-" + UUID.randomUUID();
    token.name = name;
    token.role = role;
    token.secretHash = hash(secret);
    token.createdBy = createdBy;
    token.expiresAt = expiresAt;
    persist(token);
    flush();
    getEntityManager().refresh(token);
    return new Issued(token, secret);
  }

  /**
   * The token whose secret is {@code secret}, if it is valid now; records when it was last used (at
   * most once a minute, so that a busy client does not write on every call).
   */
  @Transactional
  public Optional<ApiToken> authenticate(String secret) {
    if (!isSecret(secret)) {
      return Optional.empty();
    }
    Instant now = Instant.now();
    Optional<ApiToken> token =
        find("secretHash", hash(secret)).firstResultOptional().filter(t -> t.isValidAt(now));
    token
        .filter(t -> t.lastUsedAt == null || t.lastUsedAt.isBefore(now.minus(LAST_USED_EVERY)))
        .ifPresent(
            t ->
                getEntityManager()
                    .createNativeQuery(
                        "update api_tokens set last_used_at = now() where id = ?1 and"
                            + " (last_used_at is null"
                            + " or last_used_at < now() - ?2 * interval '1 millisecond')")
                    .setParameter(1, t.id)
                    .setParameter(2, LAST_USED_EVERY.toMillis())
                    .executeUpdate());
    return token;
  }

  /** Revokes token {@code id}: it stops working at once. Revoking twice changes nothing. */
  @Transactional
  public ApiToken revoke(String id, String by) {
    ApiToken token = findByIdOptional(id).orElseThrow(() -> ApiException.notFound("token", id));
    if (token.revokedAt == null) {
      token.revokedAt = Instant.now();
      token.revokedBy = by;
    }
    return token;
  }
}
