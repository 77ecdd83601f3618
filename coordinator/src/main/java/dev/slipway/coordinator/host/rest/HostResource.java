package dev.slipway.coordinator.host.rest;

import dev.slipway.coordinator.api.ApiException;
import dev.slipway.coordinator.host.HostRegistration;
import dev.slipway.coordinator.host.HostService;
import dev.slipway.coordinator.host.HostView;
import dev.slipway.platform.resource.Resource;
import dev.slipway.platform.resource.ResourceRepository;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
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
  public Response register(HostRegistration request) {
    if (request == null) {
      throw ApiException.badRequest(null, "a JSON body is required");
    }
    Resource host = hosts.register(request);
    return Response.created(URI.create("/api/v1/hosts/" + host.id))
        .entity(HostView.of(host))
        .build();
  }

  @GET
  public List<HostView> list() {
    return resources.list("type = ?1 order by name", Resource.TYPE_HOST).stream()
        .map(HostView::of)
        .toList();
  }

  @GET
  @Path("{id}")
  public HostView get(@PathParam("id") String id) {
    return resources
        .findByIdOptional(id)
        .filter(r -> Resource.TYPE_HOST.equals(r.type))
        .map(HostView::of)
        .orElseThrow(() -> ApiException.notFound("host", id));
  }
}
