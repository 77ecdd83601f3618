package dev.slipway.coordinator.audit.rest;

import dev.slipway.coordinator.api.ApiException;
import dev.slipway.coordinator.audit.AuditEntry;
import dev.slipway.coordinator.audit.AuditLog;
import dev.slipway.coordinator.auth.Roles;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import java.util.List;

/** {@code GET /api/v1/audit}: write actions through the API, newest first. */
@Path("/api/v1/audit")
public class AuditResource {

  @Inject AuditLog audit;

  /**
   * @param actor only this actor's actions (e.g. {@code token:ci})
   * @param limit at most this many (1-1000, default 100)
   */
  @GET
  @RolesAllowed(Roles.ADMIN)
  public List<AuditEntry> list(
      @QueryParam("actor") String actor,
      @QueryParam("limit") @DefaultValue("100") String limitParam) {
    int limit = limit(limitParam);
    Sort newest = Sort.descending("id");
    return (actor == null ? audit.findAll(newest) : audit.find("actor", newest, actor))
        .page(Page.ofSize(limit))
        .list();
  }

  /** {@code limit} as a number from 1 to 1000; 400 naming it otherwise (a 404 before). */
  private static int limit(String limit) {
    try {
      int n = Integer.parseInt(limit.trim());
      if (n >= 1 && n <= 1000) {
        return n;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw ApiException.badRequest(
        "limit", "limit must be a whole number from 1 to 1000, not '" + limit + "'");
  }
}
