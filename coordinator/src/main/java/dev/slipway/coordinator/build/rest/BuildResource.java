package dev.slipway.coordinator.build.rest;

import dev.slipway.coordinator.api.ApiException;
import dev.slipway.coordinator.auth.Roles;
import dev.slipway.coordinator.build.Build;
import dev.slipway.coordinator.build.BuildRepository;
import dev.slipway.coordinator.build.BuildRequest;
import dev.slipway.coordinator.build.BuildService;
import dev.slipway.coordinator.build.LogStore;
import dev.slipway.coordinator.build.Step;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Instant;
import java.util.List;

@Path("/api/v1/builds")
public class BuildResource {

  /** {@code 202} answer to a new build. */
  public record Accepted(String id, String status) {}

  /** A step as the API shows it. */
  public record StepView(
      String name,
      String kind,
      String status,
      Integer exitCode,
      String reason,
      String leaseId,
      Instant startedAt,
      Instant finishedAt) {}

  /** A build with its steps. */
  public record BuildView(
      String id,
      String plan,
      String status,
      String reason,
      String repository,
      String commit,
      String branch,
      String requestedBy,
      Instant createdAt,
      Instant startedAt,
      Instant finishedAt,
      List<StepView> steps) {}

  @Inject BuildService service;
  @Inject BuildRepository builds;
  @Inject LogStore logs;

  @POST
  @RolesAllowed(Roles.OPERATOR)
  public Response create(BuildRequest request) {
    if (request == null) {
      throw ApiException.badRequest(null, "a JSON body {plan, ...} is required");
    }
    Build build = service.create(request);
    return Response.accepted(new Accepted(build.id, build.status.wireName()))
        .location(URI.create("/api/v1/builds/" + build.id))
        .build();
  }

  @GET
  @Path("{id}")
  @RolesAllowed(Roles.VIEWER)
  public BuildView get(@PathParam("id") String id) {
    Build b = find(id);
    List<StepView> steps = builds.steps(id).stream().map(BuildResource::view).toList();
    return new BuildView(
        b.id,
        b.planName,
        b.status.wireName(),
        b.reason,
        b.repository,
        b.commit,
        b.branch,
        b.requestedBy,
        b.createdAt,
        b.startedAt,
        b.finishedAt,
        steps);
  }

  /** {@code POST /api/v1/builds/{id}/abort} with an optional {@code {reason}}. */
  public record AbortRequest(String reason) {}

  @POST
  @Path("{id}/abort")
  @RolesAllowed(Roles.OPERATOR)
  public BuildView abort(@PathParam("id") String id, AbortRequest request) {
    service.abort(id, request == null ? null : request.reason());
    return get(id);
  }

  @GET
  @Path("{id}/log")
  @Produces(MediaType.TEXT_PLAIN)
  @RolesAllowed(Roles.VIEWER)
  public String log(@PathParam("id") String id) {
    return logs.render(find(id));
  }

  private Build find(String id) {
    return builds.findByIdOptional(id).orElseThrow(() -> ApiException.notFound("build", id));
  }

  private static StepView view(Step s) {
    return new StepView(
        s.name,
        s.kind,
        s.status.wireName(),
        s.exitCode,
        s.reason,
        s.leaseId,
        s.startedAt,
        s.finishedAt);
  }
}
