package dev.slipway.coordinator.lease.rest;

import dev.slipway.common.limits.Limits;
import dev.slipway.coordinator.api.ApiException;
import dev.slipway.coordinator.api.Checks;
import dev.slipway.coordinator.auth.Roles;
import dev.slipway.coordinator.lease.LeaseGroupRequest;
import dev.slipway.coordinator.lease.LeaseGroupService;
import dev.slipway.platform.lease.Lease;
import dev.slipway.platform.lease.LeaseGroup;
import dev.slipway.platform.lease.LeaseGroupRepository;
import dev.slipway.platform.lease.LeaseGroups;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Instant;
import java.util.List;

/**
 * {@code /api/v1/lease-groups}: host leases granted all at once or not at all (allocation.md "Lease
 * groups"). A group is released by releasing each of its leases ({@code POST
 * /api/v1/leases/{id}/release}); releasing one while the group waits fails the whole group.
 */
@Path("/api/v1/lease-groups")
public class LeaseGroupResource {

  /**
   * A lease group: {@code status} is {@code pending} (no member holds anything), {@code granted}
   * (every member was acquired at once) or {@code failed} (with {@code reason}); {@code leases} are
   * its members' ids and {@code members} the leases themselves, in the order asked for.
   */
  public record LeaseGroupView(
      String id,
      String status,
      String owner,
      String reason,
      Instant createdAt,
      Instant updatedAt,
      List<String> leases,
      List<LeaseResource.LeaseView> members) {}

  @Inject LeaseGroupService service;
  @Inject LeaseGroupRepository groups;
  @Inject LeaseViews views;

  @POST
  @RolesAllowed(Roles.OPERATOR)
  public Response request(LeaseGroupRequest request) {
    if (request == null) {
      throw ApiException.badRequest(null, "a JSON body {members: [{attributes}, ...]} is required");
    }
    checkSizes(request);
    LeaseGroups.Requested requested = service.request(request);
    return Response.accepted(view(requested.group(), requested.members()))
        .location(URI.create("/api/v1/lease-groups/" + requested.group().id))
        .build();
  }

  /** Refuses any field over its limit ({@link dev.slipway.common.limits.Limits}) first. */
  private static void checkSizes(LeaseGroupRequest r) {
    Checks.length("owner", r.owner(), Limits.OWNER);
    Checks.length("waitTimeout", r.waitTimeout(), Limits.DURATION);
    Checks.length("heartbeatTimeout", r.heartbeatTimeout(), Limits.DURATION);
    if (r.members() == null || r.members().size() > LeaseGroupService.MAX_MEMBERS) {
      return; // the service names the count
    }
    for (int i = 0; i < r.members().size(); i++) {
      LeaseGroupRequest.Member m = r.members().get(i);
      if (m != null) {
        Checks.attributes("members[" + i + "].attributes", m.attributes());
        Checks.length("members[" + i + "].pinnedResourceId", m.pinnedResourceId(), Limits.ID);
      }
    }
  }

  @GET
  @Path("{id}")
  @RolesAllowed(Roles.VIEWER)
  public LeaseGroupView get(@PathParam("id") String id) {
    LeaseGroup group = service.find(id);
    return view(group, groups.members(id));
  }

  private LeaseGroupView view(LeaseGroup g, List<Lease> members) {
    return new LeaseGroupView(
        g.id,
        g.status,
        g.owner,
        g.reason,
        g.createdAt,
        g.updatedAt,
        members.stream().map(l -> l.id).toList(),
        members.stream().map(views::view).toList());
  }
}
