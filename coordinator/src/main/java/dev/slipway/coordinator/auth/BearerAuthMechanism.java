package dev.slipway.coordinator.auth;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;

/**
 * Reads {@code Authorization: Bearer <secret>} and authenticates a Slipway API token ({@code
 * slw_...}) through {@link ApiTokenIdentityProvider}. Any other bearer token is left to the JWT
 * mechanism of quarkus-smallrye-jwt, which checks it against the configured identity provider. Runs
 * first, so a token that looks like an API token is never sent to the JWT parser.
 */
@ApplicationScoped
@Priority(HttpAuthenticationMechanism.DEFAULT_PRIORITY + 100)
public class BearerAuthMechanism implements HttpAuthenticationMechanism {

  private static final String BEARER = "bearer ";
  static final ChallengeData CHALLENGE =
      new ChallengeData(
          HttpResponseStatus.UNAUTHORIZED.code(), HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");

  @Override
  public Uni<SecurityIdentity> authenticate(
      RoutingContext context, IdentityProviderManager identityProviderManager) {
    String secret = bearerToken(context);
    if (secret == null || !secret.startsWith(ApiTokens.PREFIX)) {
      return Uni.createFrom().nullItem();
    }
    return identityProviderManager.authenticate(new ApiTokenRequest(secret));
  }

  /** The bearer token of the request, or null. */
  static String bearerToken(RoutingContext context) {
    String header = context.request().getHeader(HttpHeaderNames.AUTHORIZATION);
    if (header == null || header.length() <= BEARER.length()) {
      return null;
    }
    if (!header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return null;
    }
    return header.substring(BEARER.length()).trim();
  }

  @Override
  public Uni<ChallengeData> getChallenge(RoutingContext context) {
    return Uni.createFrom().item(CHALLENGE);
  }

  @Override
  public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
    return Set.of(ApiTokenRequest.class);
  }
}
