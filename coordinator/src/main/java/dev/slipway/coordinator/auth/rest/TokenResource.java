package dev.slipway.coordinator.auth.rest;

import dev.slipway.coordinator.api.ApiException;
import dev.slipway.coordinator.auth.ApiToken;
import dev.slipway.coordinator.auth.ApiTokens;
import dev.slipway.coordinator.auth.Caller;
import dev.slipway.coordinator.auth.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** {@code /api/v1/tokens}: API tokens, for admins. A token's secret is shown only in the 201. */
@Path("/api/v1/tokens")
@RolesAllowed(Roles.ADMIN)
public class TokenResource {

  /** {@code POST /api/v1/tokens}: a name, a role and an optional expiry. */
  public record TokenRequest(String name, String role, Instant expiresAt) {}

  /** A token as listed: never its secret. */
  public record TokenView(
      String id,
      String name,
      String role,
      Instant createdAt,
      String createdBy,
      Instant lastUsedAt,
      Instant expiresAt,
      Instant revokedAt,
      String revokedBy) {

    static TokenView of(ApiToken t) {
      return new TokenView(
          t.id,
          t.name,
          t.role,
          t.createdAt,
          t.createdBy,
          t.lastUsedAt,
          t.expiresAt,
          t.revokedAt,
          t.revokedBy);
    }
  }

  /** The answer to a creation: the one time {@code token} (the secret) is shown. */
  public record CreatedToken(
      String id,
      String name,
      String role,
      String token,
      Instant createdAt,
      String createdBy,
      Instant expiresAt) {}

  /** The furthest a token's expiry may be (PostgreSQL cannot store any instant Java can). */
  static final Duration LONGEST_LIFETIME = Duration.ofDays(36525);

  @Inject ApiTokens tokens;
  @Inject Caller caller;

  @POST
  public Response create(TokenRequest request) {
    if (request == null) {
      throw ApiException.badRequest(null, "a JSON body {name, role, expiresAt?} is required");
    }
    if (request.name() == null || !request.name().matches("[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")) {
      throw ApiException.badRequest(
          "name",
          "name is required: 1-100 letters, digits and ._@- (not starting with one of ._@-)");
    }
    if (!Roles.isRole(request.role())) {
      throw ApiException.badRequest("role", "role must be one of " + Roles.ALL);
    }
    if (request.expiresAt() != null && !request.expiresAt().isAfter(Instant.now())) {
      throw ApiException.badRequest("expiresAt", "expiresAt must be in the future");
    }
    if (request.expiresAt() != null
        && request.expiresAt().isAfter(Instant.now().plus(LONGEST_LIFETIME))) {
      throw ApiException.badRequest(
          "expiresAt", "expiresAt must be at most 100 years ahead; leave it out for no expiry");
    }
    ApiTokens.Issued issued =
        tokens.create(request.name(), request.role(), request.expiresAt(), caller.subject());
    ApiToken t = issued.token();
    return Response.created(URI.create("/api/v1/tokens/" + t.id))
        .entity(
            new CreatedToken(
                t.id, t.name, t.role, issued.secret(), t.createdAt, t.createdBy, t.expiresAt))
        .build();
  }

  @GET
  public List<TokenView> list() {
    return tokens.list("order by createdAt").stream().map(TokenView::of).toList();
  }

  /** Revokes the token: requests with it get 401 from now on. It stays listed, as revoked. */
  @DELETE
  @Path("{id}")
  public Response revoke(@PathParam("id") String id) {
    tokens.revoke(id, caller.subject());
    return Response.noContent().build();
  }
}
