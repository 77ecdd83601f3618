package dev.slipway.coordinator.plan.rest;

import dev.slipway.coordinator.api.ApiException;
import dev.slipway.coordinator.auth.Roles;
import dev.slipway.coordinator.plan.Plan;
import dev.slipway.coordinator.plan.PlanLimits;
import dev.slipway.coordinator.plan.PlanService;
import dev.slipway.coordinator.plan.PlanVersion;
import dev.slipway.coordinator.plan.StepSpec;
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

@Path("/api/v1/plans")
public class PlanResource {

  /** {@code POST /api/v1/plans} body. */
  public record PlanRequest(String name, String yaml) {}

  /** A stored plan with its parsed steps; {@code version} is its current version. */
  public record PlanView(String name, int version, String yaml, List<StepSpec> steps) {}

  /**
   * {@code POST /api/v1/plans} answer: the plan as saved, its version, and whether this save made
   * that version ({@code changed: false}: the YAML was the current version's, nothing was saved).
   */
  public record SavedView(
      String name, int version, boolean changed, String yaml, List<StepSpec> steps) {}

  /** A plan in the list: its name and times, not its YAML. */
  public record PlanSummary(String name, Instant createdAt, Instant updatedAt) {}

  /** A version in {@code GET /api/v1/plans/{name}/versions}: no YAML. */
  public record VersionSummary(int version, Instant createdAt, String createdBy) {}

  /** {@code GET /api/v1/plans/{name}/versions/{version}}: one version with its parsed steps. */
  public record VersionView(
      String name,
      int version,
      boolean current,
      Instant createdAt,
      String createdBy,
      String yaml,
      List<StepSpec> steps) {}

  @Inject PlanService plans;

  /** {@code GET /api/v1/plans}: every plan, by name. */
  @GET
  @RolesAllowed(Roles.VIEWER)
  public List<PlanSummary> list() {
    return plans.all().stream()
        .map(p -> new PlanSummary(p.name, p.createdAt, p.updatedAt))
        .toList();
  }

  /**
   * {@code POST /api/v1/plans}: 201 for a new plan (version 1); 200 for an existing one, with a new
   * version when the YAML changed and the current one when it did not.
   */
  @POST
  @RolesAllowed(Roles.OPERATOR)
  public Response save(PlanRequest request) {
    if (request == null) {
      throw ApiException.badRequest(null, "a JSON body {name, yaml} is required");
    }
    PlanLimits.check(request.yaml());
    PlanService.Saved saved = plans.save(request.name(), request.yaml());
    Plan plan = saved.plan();
    SavedView view =
        new SavedView(plan.name, plan.version, saved.changed(), plan.yaml, plans.parse(plan.yaml));
    return (saved.created()
            ? Response.created(URI.create("/api/v1/plans/" + request.name()))
            : Response.ok())
        .entity(view)
        .build();
  }

  @GET
  @Path("{name}")
  @RolesAllowed(Roles.VIEWER)
  public PlanView get(@PathParam("name") String name) {
    Plan plan = plans.get(name);
    return new PlanView(plan.name, plan.version, plan.yaml, plans.parse(plan.yaml));
  }

  /** {@code GET /api/v1/plans/{name}/versions}: every version of the plan, newest first. */
  @GET
  @Path("{name}/versions")
  @RolesAllowed(Roles.VIEWER)
  public List<VersionSummary> versions(@PathParam("name") String name) {
    return plans.versions(name).stream()
        .map(v -> new VersionSummary(v.version, v.createdAt, v.createdBy))
        .toList();
  }

  /** {@code GET /api/v1/plans/{name}/versions/{version}}: one version, with its parsed steps. */
  @GET
  @Path("{name}/versions/{version}")
  @RolesAllowed(Roles.VIEWER)
  public VersionView version(@PathParam("name") String name, @PathParam("version") String version) {
    int number = number(version);
    PlanVersion found = plans.version(name, number, "version");
    return new VersionView(
        found.planName,
        found.version,
        found.version == plans.get(name).version,
        found.createdAt,
        found.createdBy,
        found.yaml,
        plans.parse(found.yaml));
  }

  private static int number(String version) {
    try {
      int number = Integer.parseInt(version);
      if (number >= 1) {
        return number;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw ApiException.badRequest(
        "version", "version must be a whole number from 1, not '" + version + "'");
  }
}
