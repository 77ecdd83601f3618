package dev.slipway.worker.metrics;

import dev.slipway.common.auth.TokenSecrets;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.quarkus.security.credential.TokenCredential;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;

/**
 * The worker's only authentication: {@code Authorization: Bearer <secret>} with a Slipway API token
 * ({@code slw_...}, made through the coordinator's API), checked by {@link
 * ApiTokenIdentityProvider} against {@code api_tokens}. It guards {@code /q/metrics}; everything
 * else the worker serves ({@code /q/health}) stays open. JWTs are not accepted here.
 */
@ApplicationScoped
public class ScrapeAuthMechanism implements HttpAuthenticationMechanism {

  private static final String BEARER = "bearer ";
  private static final ChallengeData CHALLENGE =
      new ChallengeData(
          HttpResponseStatus.UNAUTHORIZED.code(), HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");

  @Override
  public Uni<SecurityIdentity> authenticate(
      RoutingContext context, IdentityProviderManager identityProviderManager) {
    String header = context.request().getHeader(HttpHeaderNames.AUTHORIZATION);
    if (header == null
        || header.length() <= BEARER.length()
        || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return Uni.createFrom().nullItem();
    }
    String secret = header.substring(BEARER.length()).trim();
    if (!secret.startsWith(TokenSecrets.PREFIX)) {
      return Uni.createFrom().nullItem();
    }
    return identityProviderManager.authenticate(
        new TokenAuthenticationRequest(new TokenCredential(secret, "bearer")));
  }

  @Override
  public Uni<ChallengeData> getChallenge(RoutingContext context) {
    return Uni.createFrom().item(CHALLENGE);
  }

  @Override
  public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
    return Set.of(TokenAuthenticationRequest.class);
  }
}
