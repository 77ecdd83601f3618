package dev.slipway.coordinator.build.rest;

import dev.slipway.common.limits.Limits;
import dev.slipway.common.status.BuildStatus;
import dev.slipway.coordinator.api.ApiException;
import dev.slipway.coordinator.api.Checks;
import dev.slipway.coordinator.api.Paging;
import dev.slipway.coordinator.auth.Roles;
import dev.slipway.coordinator.build.Build;
import dev.slipway.coordinator.build.BuildCursor;
import dev.slipway.coordinator.build.BuildFilter;
import dev.slipway.coordinator.build.BuildRepository;
import dev.slipway.coordinator.build.BuildRequest;
import dev.slipway.coordinator.build.BuildService;
import dev.slipway.coordinator.build.Step;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
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
      Integer planVersion,
      Long number,
      String status,
      String reason,
      String repository,
      String commit,
      String branch,
      String requestedBy,
      String restartOf,
      Instant createdAt,
      Instant startedAt,
      Instant finishedAt,
      List<StepView> steps) {}

  @Inject BuildService service;
  @Inject BuildRepository builds;

  @POST
  @RolesAllowed(Roles.OPERATOR)
  public Response create(BuildRequest request) {
    if (request == null) {
      throw ApiException.badRequest(null, "a JSON body {plan, ...} is required");
    }
    Checks.length("plan", request.plan(), Limits.NAME);
    Checks.length("repository", request.repository(), Limits.URI);
    Checks.length("commit", request.commit(), Limits.REF);
    Checks.length("branch", request.branch(), Limits.REF);
    Build build = service.create(request);
    return Response.accepted(new Accepted(build.id, build.status.wireName()))
        .location(URI.create("/api/v1/builds/" + build.id))
        .build();
  }

  /**
   * {@code POST /api/v1/builds/{id}/restart}: a new build of the same plan version with the same
   * inputs (repository, commit, branch, variables); it names the old one in {@code restartOf}.
   */
  @POST
  @Path("{id}/restart")
  @RolesAllowed(Roles.OPERATOR)
  public Response restart(@PathParam("id") String id) {
    Build build = service.restart(id);
    return Response.accepted(new Accepted(build.id, build.status.wireName()))
        .location(URI.create("/api/v1/builds/" + build.id))
        .build();
  }

  /** {@code POST …/steps/{name}/message}: {@code result} {@code pass} or {@code fail}. */
  public record StepMessage(String result, String message) {}

  /**
   * {@code POST /api/v1/builds/{id}/steps/{name}/message}: passes or fails a running {@code wait}
   * step (Harbormaster's "wait for message"); 409 when the step is no running wait step.
   */
  @POST
  @Path("{id}/steps/{name}/message")
  @RolesAllowed(Roles.OPERATOR)
  public BuildView message(
      @PathParam("id") String id, @PathParam("name") String name, StepMessage message) {
    if (message == null || !("pass".equals(message.result()) || "fail".equals(message.result()))) {
      throw ApiException.badRequest("result", "result must be pass or fail");
    }
    Checks.length("message", message.message(), Limits.REASON);
    service.message(
        id,
        name,
        "pass".equals(message.result()),
        message.message() == null ? "failed by a message" : message.message());
    return get(id);
  }

  /** At most this many builds per page of {@link #list}, and how many without {@code limit}. */
  /**
   * {@code GET /api/v1/builds}: builds newest first, a page at a time ({@link Paging}); every
   * filter given must match. {@code next} is the {@code cursor} of the following page, null on the
   * last one.
   */
  @GET
  @RolesAllowed(Roles.VIEWER)
  public BuildPage list(
      @QueryParam("plan") String plan,
      @QueryParam("status") String status,
      @QueryParam("branch") String branch,
      @QueryParam("requestedBy") String requestedBy,
      @QueryParam("limit") String limit,
      @QueryParam("cursor") String cursor) {
    BuildFilter filter = new BuildFilter(plan, buildStatus(status), branch, requestedBy);
    int size = Paging.size(limit);
    Paging.Page<Build> page =
        Paging.page(
            builds.newest(filter, Paging.cursor(cursor, BuildCursor::decode), size + 1),
            size,
            b -> BuildCursor.after(b).encode());
    return new BuildPage(page.items().stream().map(BuildPage.Summary::of).toList(), page.next());
  }

  private static BuildStatus buildStatus(String status) {
    try {
      return status == null ? null : BuildStatus.fromWire(status);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(
          "status",
          "unknown build status '"
              + status
              + "' (pending, running, passed, failed, aborted or error)");
    }
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
        b.planVersion,
        b.number,
        b.status.wireName(),
        b.reason,
        b.repository,
        b.commit,
        b.branch,
        b.requestedBy,
        b.restartOf,
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
    Checks.length("reason", request == null ? null : request.reason(), Limits.REASON);
    service.abort(id, request == null ? null : request.reason());
    return get(id);
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
