package dev.slipway.coordinator.lease.rest;

import dev.slipway.common.limits.Limits;
import dev.slipway.common.status.LeaseStatus;
import dev.slipway.coordinator.api.ApiException;
import dev.slipway.coordinator.api.Checks;
import dev.slipway.coordinator.api.Paging;
import dev.slipway.coordinator.auth.Roles;
import dev.slipway.coordinator.lease.LeaseRequest;
import dev.slipway.coordinator.lease.LeaseService;
import dev.slipway.platform.lease.Lease;
import dev.slipway.platform.lease.LeaseRepository;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;

@Path("/api/v1/leases")
public class LeaseResource {

  /**
   * A lease as the API shows it; {@code queuePosition} only while it waits (1 is next). A
   * working-copy lease also shows its repository, the ref asked for, the commit its directory holds
   * once active, and the host lease it sits on. Once active, every lease shows where commands on it
   * run: {@code commandHost} (a host resource) and {@code commandDirectory} (null: the SSH user's
   * home).
   */
  public record LeaseView(
      String id,
      String type,
      String status,
      Map<String, String> attributes,
      String resourceId,
      String pinnedResourceId,
      String owner,
      String reason,
      Long queuePosition,
      Instant createdAt,
      Instant updatedAt,
      Instant expiresAt,
      String repository,
      String ref,
      String commit,
      String hostLease,
      String commandHost,
      String commandDirectory) {}

  @Inject LeaseService service;
  @Inject LeaseRepository leases;
  @Inject LeaseViews views;

  @POST
  @RolesAllowed(Roles.OPERATOR)
  public Response request(LeaseRequest request) {
    if (request == null) {
      throw ApiException.badRequest(null, "a JSON body {type, attributes, ...} is required");
    }
    checkSizes(request);
    Lease lease = service.request(request);
    return Response.accepted(view(lease))
        .location(URI.create("/api/v1/leases/" + lease.id))
        .build();
  }

  /** Refuses any field over its limit ({@link Limits}), before anything else is checked. */
  private static void checkSizes(LeaseRequest r) {
    Checks.length("type", r.type(), Limits.NAME);
    Checks.attributes("attributes", r.attributes());
    Checks.length("resourceId", r.resourceId(), Limits.ID);
    Checks.length("waitTimeout", r.waitTimeout(), Limits.DURATION);
    Checks.length("heartbeatTimeout", r.heartbeatTimeout(), Limits.DURATION);
    Checks.length("owner", r.owner(), Limits.OWNER);
    Checks.length("repository", r.repository(), Limits.URI);
    Checks.length("ref", r.ref(), Limits.REF);
    Checks.length("hostLease", r.hostLease(), Limits.ID);
  }

  /**
   * {@code GET /api/v1/leases}: a page of leases, newest first, and the cursor of the next page.
   */
  public record LeasePage(List<LeaseView> leases, String next) {}

  /** The kind of a lease cursor ({@link Paging#encode}); it holds the page's last {@code seq}. */
  private static final String CURSOR = "l1";

  /**
   * {@code GET /api/v1/leases}: leases newest first, a page at a time ({@link Paging}), optionally
   * only of one status and owner. {@code next} is the {@code cursor} of the following page, null on
   * the last one.
   */
  @GET
  @RolesAllowed(Roles.VIEWER)
  public LeasePage list(
      @QueryParam("status") String status,
      @QueryParam("owner") String owner,
      @QueryParam("limit") String limit,
      @QueryParam("cursor") String cursor) {
    LeaseStatus wanted;
    try {
      wanted = status == null ? null : LeaseStatus.fromWire(status);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("status", "unknown lease status '" + status + "'");
    }
    int size = Paging.size(limit);
    Long after = Paging.cursor(cursor, text -> Paging.number(Paging.decode(CURSOR, text, 1)[0]));
    Paging.Page<Lease> page =
        Paging.page(
            leases.list(wanted, owner, after, size + 1),
            size,
            l -> Paging.encode(CURSOR, Long.toString(l.seq)));
    return new LeasePage(page.items().stream().map(this::view).toList(), page.next());
  }

  @GET
  @Path("{id}")
  @RolesAllowed(Roles.VIEWER)
  public LeaseView get(@PathParam("id") String id) {
    return view(service.find(id));
  }

  @POST
  @Path("{id}/release")
  @RolesAllowed(Roles.OPERATOR)
  public Response release(@PathParam("id") String id) {
    return Response.accepted(view(service.release(id))).build();
  }

  @POST
  @Path("{id}/heartbeat")
  @RolesAllowed(Roles.OPERATOR)
  public LeaseView heartbeat(@PathParam("id") String id) {
    return view(service.heartbeat(id));
  }

  private LeaseView view(Lease l) {
    return views.view(l);
  }
}
