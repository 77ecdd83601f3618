package dev.slipway.coordinator.plan.rest;

import dev.slipway.coordinator.api.ApiException;
import dev.slipway.coordinator.auth.Roles;
import dev.slipway.coordinator.plan.Plan;
import dev.slipway.coordinator.plan.PlanService;
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

  /** A stored plan with its parsed steps. */
  public record PlanView(String name, String yaml, List<StepSpec> steps) {}

  /** A plan in the list: its name and times, not its YAML. */
  public record PlanSummary(String name, Instant createdAt, Instant updatedAt) {}

  @Inject PlanService plans;

  /** {@code GET /api/v1/plans}: every plan, by name. */
  @GET
  @RolesAllowed(Roles.VIEWER)
  public List<PlanSummary> list() {
    return plans.all().stream()
        .map(p -> new PlanSummary(p.name, p.createdAt, p.updatedAt))
        .toList();
  }

  @POST
  @RolesAllowed(Roles.OPERATOR)
  public Response save(PlanRequest request) {
    if (request == null) {
      throw ApiException.badRequest(null, "a JSON body {name, yaml} is required");
    }
    boolean created = plans.save(request.name(), request.yaml());
    PlanView view = view(plans.get(request.name()));
    return (created
            ? Response.created(URI.create("/api/v1/plans/" + request.name()))
            : Response.ok())
        .entity(view)
        .build();
  }

  @GET
  @Path("{name}")
  @RolesAllowed(Roles.VIEWER)
  public PlanView get(@PathParam("name") String name) {
    return view(plans.get(name));
  }

  private PlanView view(Plan plan) {
    return new PlanView(plan.name, plan.yaml, plans.parse(plan.yaml));
  }
}
