package dev.slipway.coordinator.auth;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Turns an API token's secret into an identity: the token's name as principal, its role. Unknown,
 * revoked and expired tokens all fail the same way, so a caller learns nothing from the answer.
 */
@ApplicationScoped
public class ApiTokenIdentityProvider implements IdentityProvider<ApiTokenRequest> {

  /** Identity attribute: how the caller authenticated ({@code token} or {@code jwt}). */
  public static final String VIA = "slipway.via";

  /** Identity attribute: the id of the API token used. */
  public static final String TOKEN_ID = "slipway.token-id";

  @Inject ApiTokens tokens;

  @Override
  public Class<ApiTokenRequest> getRequestType() {
    return ApiTokenRequest.class;
  }

  @Override
  public Uni<SecurityIdentity> authenticate(
      ApiTokenRequest request, AuthenticationRequestContext context) {
    return context.runBlocking(
        () ->
            tokens
                .authenticate(request.secret())
                .<SecurityIdentity>map(
                    token ->
                        QuarkusSecurityIdentity.builder()
                            .setPrincipal(new QuarkusPrincipal(token.name))
                            .addRole(token.role)
                            .addAttribute(VIA, "token")
                            .addAttribute(TOKEN_ID, token.id)
                            .build())
                .orElseThrow(
                    () -> new AuthenticationFailedException("unknown, revoked or expired token")));
  }
}
