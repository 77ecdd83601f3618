package dev.slipway.coordinator.auth;

import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.ContextNotActiveException;
import jakarta.inject.Inject;

/**
 * Who is calling, as recorded in {@code requestedBy}, {@code createdBy}, {@code updatedBy} and the
 * audit log: {@code token:<name>} for an API token, {@code jwt:<name>} for an identity provider's
 * token, {@code anonymous}, or {@code system} outside a request.
 */
@ApplicationScoped
public class Caller {

  public static final String SYSTEM = "system";

  @Inject CurrentIdentityAssociation identities;

  public String subject() {
    SecurityIdentity identity;
    try {
      identity = identities.getIdentity();
    } catch (ContextNotActiveException e) {
      return SYSTEM;
    }
    return subject(identity);
  }

  /**
   * The caller as {@link #subject()} names it, without blocking: on the IO thread, with lazy
   * authentication, the identity may not be known yet. Fails as the authentication does (a bearer
   * token that is unknown, revoked, expired or not trusted).
   */
  public Uni<String> subjectWhenKnown() {
    try {
      return identities.getDeferredIdentity().map(Caller::subject);
    } catch (ContextNotActiveException e) {
      return Uni.createFrom().item(SYSTEM);
    }
  }

  static String subject(SecurityIdentity identity) {
    if (identity == null) {
      return SYSTEM;
    }
    if (identity.isAnonymous()) {
      return "anonymous";
    }
    String via = identity.getAttribute(ApiTokenIdentityProvider.VIA);
    return (via == null ? "token" : via) + ":" + identity.getPrincipal().getName();
  }
}
