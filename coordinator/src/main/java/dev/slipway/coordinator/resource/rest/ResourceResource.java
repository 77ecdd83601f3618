package dev.slipway.coordinator.resource.rest;

import dev.slipway.common.attributes.Attributes;
import dev.slipway.coordinator.api.ApiException;
import dev.slipway.coordinator.auth.Roles;
import dev.slipway.platform.resource.Resource;
import dev.slipway.platform.resource.ResourceRepository;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@Path("/api/v1/resources")
public class ResourceResource {

  /** A resource as the API shows it. */
  public record ResourceView(
      String id,
      String type,
      String name,
      String blueprint,
      String status,
      Map<String, String> attributes,
      int slots,
      int leasesHeld,
      boolean enabled,
      String reason,
      String hostId,
      String path,
      Long sizeBytes) {

    static ResourceView of(Resource r) {
      return new ResourceView(
          r.id,
          r.type,
          r.name,
          r.blueprintId,
          r.status.wireName(),
          r.attributes,
          r.slots,
          r.leasesHeld,
          r.enabled,
          r.reason,
          r.hostId,
          r.path,
          r.sizeBytes);
    }
  }

  @Inject ResourceRepository resources;

  /**
   * Resources that are not destroyed, of {@code type} when given, whose attributes contain every
   * {@code attr=key:value}.
   */
  @GET
  @RolesAllowed(Roles.VIEWER)
  public List<ResourceView> list(
      @QueryParam("type") String type, @QueryParam("attr") List<String> attr) {
    Map<String, String> filter = new LinkedHashMap<>();
    for (String pair : attr) {
      int colon = pair.indexOf(':');
      if (colon < 1) {
        throw ApiException.badRequest("attr", "attr must be key:value, not '" + pair + "'");
      }
      filter.put(pair.substring(0, colon), pair.substring(colon + 1));
    }
    String problem = Attributes.problem(filter);
    if (problem != null) {
      throw ApiException.badRequest("attr", problem);
    }
    return resources.matching(type, filter).stream().map(ResourceView::of).toList();
  }
}
