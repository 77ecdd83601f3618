package dev.slipway.coordinator.blueprint.rest;

import dev.slipway.coordinator.auth.Roles;
import dev.slipway.coordinator.blueprint.BlueprintService;
import dev.slipway.coordinator.blueprint.BlueprintService.BlueprintEdit;
import dev.slipway.coordinator.blueprint.BlueprintService.BlueprintRequest;
import dev.slipway.platform.blueprint.BlueprintRecord;
import dev.slipway.platform.blueprint.BlueprintRepository;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /api/v1/blueprints}: what makes resources, of which kind, with what config and limits.
 * Viewers read them with inline scripts left out (a script may hold a provider's secrets); admins
 * see them whole, and create and change them.
 */
@Path("/api/v1/blueprints")
public class BlueprintResource {

  /** A blueprint as the API shows it. */
  public record BlueprintView(
      String id,
      String name,
      String kind,
      String type,
      boolean enabled,
      Integer maxResources,
      Map<String, Object> config,
      Instant createdAt,
      String createdBy,
      String updatedBy) {

    /** {@code b}, its inline scripts shown only when {@code whole}. */
    static BlueprintView of(BlueprintRecord b, boolean whole) {
      return new BlueprintView(
          b.id,
          b.name,
          b.kind,
          b.type,
          b.enabled,
          b.maxResources,
          whole ? b.config : redacted(b.config),
          b.createdAt,
          b.createdBy,
          b.updatedBy);
    }
  }

  @Inject BlueprintRepository blueprints;
  @Inject BlueprintService service;
  @Inject SecurityIdentity identity;

  @GET
  @RolesAllowed(Roles.VIEWER)
  public List<BlueprintView> list() {
    boolean whole = isAdmin();
    return blueprints.list("order by name").stream().map(b -> BlueprintView.of(b, whole)).toList();
  }

  @GET
  @Path("{name}")
  @RolesAllowed(Roles.VIEWER)
  public BlueprintView get(@PathParam("name") String name) {
    return BlueprintView.of(service.find(name), isAdmin());
  }

  /** Creates a blueprint (201); 409 when one of that name exists (change it with PATCH). */
  @POST
  @RolesAllowed(Roles.ADMIN)
  public Response create(BlueprintRequest request) {
    BlueprintRecord blueprint = service.create(request);
    return Response.created(URI.create("/api/v1/blueprints/" + blueprint.name))
        .entity(BlueprintView.of(service.find(blueprint.name), true))
        .build();
  }

  @PATCH
  @Path("{name}")
  @RolesAllowed(Roles.ADMIN)
  public BlueprintView edit(@PathParam("name") String name, BlueprintEdit edit) {
    return BlueprintView.of(service.edit(name, edit), true);
  }

  private boolean isAdmin() {
    return identity.hasRole(Roles.ADMIN);
  }

  /**
   * {@code config} with every text that is an inline script (begins with {@code #!}) replaced by a
   * note of its size, at any depth.
   */
  static Map<String, Object> redacted(Map<String, Object> config) {
    if (config == null) {
      return null;
    }
    Map<String, Object> shown = new LinkedHashMap<>();
    config.forEach((key, value) -> shown.put(key, redactedValue(value)));
    return shown;
  }

  @SuppressWarnings("unchecked")
  private static Object redactedValue(Object value) {
    if (value instanceof String text && text.startsWith("#!")) {
      return "(inline script, " + text.getBytes(StandardCharsets.UTF_8).length + " bytes)";
    }
    if (value instanceof Map<?, ?> map) {
      return redacted((Map<String, Object>) map);
    }
    if (value instanceof List<?> list) {
      return list.stream().map(BlueprintResource::redactedValue).toList();
    }
    return value;
  }
}
