package dev.slipway.coordinator.blueprint.rest;

import dev.slipway.common.events.EventCodec;
import dev.slipway.common.limits.Limits;
import dev.slipway.coordinator.api.ApiException;
import dev.slipway.coordinator.api.Checks;
import dev.slipway.coordinator.auth.Caller;
import dev.slipway.coordinator.auth.Roles;
import dev.slipway.platform.blueprint.BlueprintRecord;
import dev.slipway.platform.blueprint.BlueprintRepository;
import dev.slipway.platform.resource.Resources;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import java.util.Set;

@Path("/api/v1/blueprints")
public class BlueprintResource {

  /** {@code POST /api/v1/blueprints}: create a blueprint, or change one of that name. */
  public record BlueprintRequest(
      String name,
      String kind,
      String type,
      Boolean enabled,
      Integer maxResources,
      Map<String, Object> config) {}

  private static final Map<String, String> KINDS = Map.of("static-host", "host");

  @Inject BlueprintRepository blueprints;
  @Inject Resources resources;
  @Inject Caller caller;

  @GET
  @RolesAllowed(Roles.VIEWER)
  public List<BlueprintRecord> list() {
    return blueprints.listAll();
  }

  @POST
  @Transactional
  @RolesAllowed(Roles.ADMIN)
  public Response save(BlueprintRequest r) {
    if (r == null || r.name() == null || r.name().isBlank()) {
      throw ApiException.badRequest("name", "name is required");
    }
    Checks.length("name", r.name(), Limits.NAME);
    Checks.length("kind", r.kind(), Limits.NAME);
    Checks.length("type", r.type(), Limits.NAME);
    if (r.config() != null) {
      Checks.length("config", EventCodec.tree(r.config()).toString(), Limits.BLUEPRINT_CONFIG);
    }
    BlueprintRecord blueprint = blueprints.find("name", r.name()).firstResult();
    boolean created = blueprint == null;
    if (created) {
      if (r.kind() == null || !KINDS.containsKey(r.kind())) {
        throw ApiException.badRequest("kind", "kind must be one of " + Set.copyOf(KINDS.keySet()));
      }
      blueprint = new BlueprintRecord();
      blueprint.id = r.name();
      blueprint.name = r.name();
      blueprint.kind = r.kind();
      blueprint.type = KINDS.get(r.kind());
      blueprint.createdBy = caller.subject();
    } else if (r.kind() != null && !r.kind().equals(blueprint.kind)) {
      throw ApiException.badRequest("kind", "a blueprint's kind cannot change");
    } else {
      blueprint.updatedBy = caller.subject();
    }
    if (r.enabled() != null) {
      blueprint.enabled = r.enabled();
    }
    if (r.maxResources() != null) {
      blueprint.maxResources = r.maxResources();
    }
    if (r.config() != null) {
      blueprint.config = r.config();
    }
    blueprints.persist(blueprint);
    resources.retryAllocation(blueprint.type, "blueprint " + blueprint.name + " changed");
    return Response.status(created ? 201 : 200).entity(blueprint).build();
  }
}
