package dev.slipway.coordinator.resource.rest;

import dev.slipway.common.attributes.Attributes;
import dev.slipway.coordinator.api.ApiException;
import dev.slipway.coordinator.auth.Roles;
import dev.slipway.platform.resource.Resource;
import dev.slipway.platform.resource.ResourceRepository;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /api/v1/resources}: what blueprints made or operators registered, each with its history
 * and what the blueprint's scripts logged about it.
 */
@Path("/api/v1/resources")
public class ResourceResource {

  /** Lines of a resource's log per request, unless {@code limit} asks for fewer. */
  static final int LOG_LIMIT = 1000;

  /** A page of a resource's log: the lines, and the {@code after} that asks for the next ones. */
  public record LogPage(List<ResourceRepository.LogLine> lines, long next) {}

  /**
   * A resource as the API shows it: never its token or what a provision script printed (it may hold
   * the provider's secrets).
   */
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
      Long sizeBytes,
      String providerId) {

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
          r.sizeBytes,
          r.providerId);
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

  /** {@code GET /api/v1/resources/{id}/history}: its moves still kept, oldest first. */
  @GET
  @Path("{id}/history")
  @RolesAllowed(Roles.VIEWER)
  public List<ResourceRepository.Transition> history(@PathParam("id") String id) {
    exists(id);
    return resources.history(id);
  }

  /**
   * {@code GET /api/v1/resources/{id}/log?after=&limit=}: the lines of its log after line {@code
   * after} (0: from the start), at most {@code limit} (1 to {@value #LOG_LIMIT}).
   */
  @GET
  @Path("{id}/log")
  @RolesAllowed(Roles.VIEWER)
  public LogPage log(
      @PathParam("id") String id,
      @QueryParam("after") @DefaultValue("0") String afterParam,
      @QueryParam("limit") @DefaultValue("" + LOG_LIMIT) String limitParam) {
    long after = number("after", afterParam, 0, Long.MAX_VALUE);
    int limit = (int) number("limit", limitParam, 1, LOG_LIMIT);
    exists(id);
    List<ResourceRepository.LogLine> lines = resources.log(id, after, limit);
    return new LogPage(lines, lines.isEmpty() ? after : lines.get(lines.size() - 1).id());
  }

  private static long number(String field, String text, long min, long max) {
    try {
      long value = Long.parseLong(text.strip());
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw ApiException.badRequest(
        field,
        field
            + " must be a whole number from "
            + min
            + (max == Long.MAX_VALUE ? " up" : " to " + max));
  }

  private void exists(String id) {
    if (resources.findById(id) == null) {
      throw ApiException.notFound("resource", id);
    }
  }
}
