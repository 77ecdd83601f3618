package dev.slipway.coordinator.auth;

import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Gives every identity the roles its role includes ({@code admin} acts as {@code operator} and
 * {@code viewer}), keeps of a JWT's groups only the API's roles, and gives an anonymous caller
 * {@code viewer} when {@code slipway.auth.anonymous-read} is on.
 */
@ApplicationScoped
public class RoleAugmentor implements SecurityIdentityAugmentor {

  @Inject AuthConfig config;

  @Override
  public Uni<SecurityIdentity> augment(
      SecurityIdentity identity, AuthenticationRequestContext context) {
    if (identity.isAnonymous()) {
      if (!config.anonymousRead()) {
        return Uni.createFrom().item(identity);
      }
      return Uni.createFrom()
          .item(
              QuarkusSecurityIdentity.builder(identity)
                  .addRole(Roles.VIEWER)
                  .setAnonymous(true)
                  .build());
    }
    String role = Roles.highest(identity.getRoles());
    QuarkusSecurityIdentity.Builder builder =
        QuarkusSecurityIdentity.builder()
            .setPrincipal(identity.getPrincipal())
            .addCredentials(identity.getCredentials())
            .addAttributes(identity.getAttributes())
            .addPermissionChecker(identity::checkPermission);
    if (role != null) {
      builder.addRoles(Roles.implied(role));
    }
    if (identity.getPrincipal() instanceof JsonWebToken) {
      builder.addAttribute(ApiTokenIdentityProvider.VIA, "jwt");
    }
    return Uni.createFrom().item(builder.build());
  }
}
