package dev.slipway.coordinator.auth.rest;

import dev.slipway.coordinator.auth.ApiTokenIdentityProvider;
import dev.slipway.coordinator.auth.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;

/** {@code GET /api/v1/whoami}: who the API takes the caller for, e.g. to check a token. */
@Path("/api/v1/whoami")
public class WhoAmIResource {

  /** The caller: subject, highest role, and how it authenticated ({@code token} or {@code jwt}). */
  public record WhoAmI(String subject, String role, String via) {}

  @Inject SecurityIdentity identity;

  @GET
  @RolesAllowed(Roles.VIEWER)
  public WhoAmI whoami() {
    String via = identity.getAttribute(ApiTokenIdentityProvider.VIA);
    return new WhoAmI(
        identity.isAnonymous() ? "anonymous" : identity.getPrincipal().getName(),
        Roles.highest(identity.getRoles()),
        identity.isAnonymous() ? "anonymous" : via);
  }
}
