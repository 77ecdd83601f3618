package dev.slipway.coordinator.host.rest;

import dev.slipway.common.limits.Limits;
import dev.slipway.common.status.ResourceStatus;
import dev.slipway.coordinator.api.ApiException;
import dev.slipway.coordinator.api.Checks;
import dev.slipway.coordinator.auth.Roles;
import dev.slipway.coordinator.host.HostEdit;
import dev.slipway.coordinator.host.HostRegistration;
import dev.slipway.coordinator.host.HostService;
import dev.slipway.coordinator.host.HostView;
import dev.slipway.platform.resource.Resource;
import dev.slipway.platform.resource.ResourceRepository;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;

@Path("/api/v1/hosts")
public class HostResource {

  @Inject HostService hosts;
  @Inject ResourceRepository resources;

  @POST
  @RolesAllowed(Roles.ADMIN)
  public Response register(HostRegistration request) {
    if (request == null) {
      throw ApiException.badRequest(null, "a JSON body is required");
    }
    checkSizes(request);
    Resource host = hosts.register(request);
    return Response.created(URI.create("/api/v1/hosts/" + host.id))
        .entity(HostView.of(host))
        .build();
  }

  /** Refuses any field over its limit ({@link Limits}), before anything else is checked. */
  private static void checkSizes(HostRegistration r) {
    Checks.length("name", r.name(), Limits.NAME);
    Checks.length("address", r.address(), Limits.ADDRESS);
    Checks.length("user", r.user(), Limits.USER);
    Checks.length("privateKey", r.privateKey(), Limits.PRIVATE_KEY);
    Checks.length("privateKeyPassphrase", r.privateKeyPassphrase(), Limits.PASSPHRASE);
    Checks.length("credentialId", r.credentialId(), Limits.ID);
    Checks.length("hostKey", r.hostKey(), Limits.PUBLIC_KEY);
    Checks.length("platform", r.platform(), Limits.NAME);
    Checks.attributes("attributes", r.attributes());
    Checks.length("blueprint", r.blueprint(), Limits.NAME);
    Checks.length("workingCopyRoot", r.workingCopyRoot(), Limits.PATH);
  }

  /** Every host that is not removed. */
  @GET
  @RolesAllowed(Roles.VIEWER)
  public List<HostView> list() {
    return resources
        .list(
            "type = ?1 and status <> ?2 order by name",
            Resource.TYPE_HOST,
            ResourceStatus.DESTROYED)
        .stream()
        .map(HostView::of)
        .toList();
  }

  @GET
  @Path("{id}")
  @RolesAllowed(Roles.VIEWER)
  public HostView get(@PathParam("id") String id) {
    return HostView.of(hosts.find(id));
  }

  @PATCH
  @Path("{id}")
  @RolesAllowed(Roles.ADMIN)
  public HostView edit(@PathParam("id") String id, HostEdit edit) {
    if (edit == null) {
      throw ApiException.badRequest(null, "a JSON body with the fields to change is required");
    }
    Checks.attributes("attributes", edit.attributes());
    Checks.length("address", edit.address(), Limits.ADDRESS);
    Checks.length("user", edit.user(), Limits.USER);
    return HostView.of(hosts.edit(id, edit));
  }

  /** {@code POST /api/v1/hosts/{id}/reset-host-key}: an optional {@code {hostKey}} to pin. */
  public record HostKeyReset(String hostKey) {}

  /** Replaces or forgets the host's pinned host key (see {@link HostService#resetHostKey}). */
  @POST
  @Path("{id}/reset-host-key")
  @RolesAllowed(Roles.ADMIN)
  public HostView resetHostKey(@PathParam("id") String id, HostKeyReset reset) {
    Checks.length("hostKey", reset == null ? null : reset.hostKey(), Limits.PUBLIC_KEY);
    return HostView.of(hosts.resetHostKey(id, reset == null ? null : reset.hostKey()));
  }

  /** Disables new leases on the host; it is removed once its last lease is released. */
  @DELETE
  @Path("{id}")
  @RolesAllowed(Roles.ADMIN)
  public Response remove(@PathParam("id") String id) {
    return Response.accepted(HostView.of(hosts.remove(id))).build();
  }
}
