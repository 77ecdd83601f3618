package dev.slipway.worker.metrics;

import dev.slipway.common.auth.TokenSecrets;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.util.List;

/**
 * Checks an API token's secret against {@code api_tokens} (the coordinator's table; the worker only
 * reads it): valid when known, not revoked and not expired; the identity carries the token's name
 * and role. Unknown, revoked and expired tokens fail alike. The worker never records the token's
 * use ({@code last_used_at} is the coordinator's to write).
 */
@ApplicationScoped
public class ApiTokenIdentityProvider implements IdentityProvider<TokenAuthenticationRequest> {

  @Inject EntityManager entityManager;

  @Override
  public Class<TokenAuthenticationRequest> getRequestType() {
    return TokenAuthenticationRequest.class;
  }

  @Override
  public Uni<SecurityIdentity> authenticate(
      TokenAuthenticationRequest request, AuthenticationRequestContext context) {
    String secret = request.getToken().getToken();
    return context.runBlocking(
        () -> {
          Object[] token = TokenSecrets.isSecret(secret) ? find(secret) : null;
          if (token == null) {
            throw new AuthenticationFailedException("unknown, revoked or expired token");
          }
          return QuarkusSecurityIdentity.builder()
              .setPrincipal(new QuarkusPrincipal((String) token[0]))
              .addRole((String) token[1])
              .build();
        });
  }

  /** The name and role of the valid token whose secret is {@code secret}, or null. */
  private Object[] find(String secret) {
    return QuarkusTransaction.requiringNew()
        .call(
            () -> {
              @SuppressWarnings("unchecked")
              List<Object[]> rows =
                  entityManager
                      .createNativeQuery(
                          "select name, role from api_tokens where secret_hash = ?1 and"
                              + " revoked_at is null and (expires_at is null or expires_at >"
                              + " now())")
                      .setParameter(1, TokenSecrets.hash(secret))
                      .getResultList();
              return rows.isEmpty() ? null : rows.get(0);
            });
  }
}
