package dev.slipway.coordinator.build.rest;

import dev.slipway.coordinator.api.ApiException;
import dev.slipway.coordinator.auth.Roles;
import dev.slipway.coordinator.build.BuildLog;
import dev.slipway.coordinator.build.BuildRepository;
import dev.slipway.coordinator.build.LogFollowers;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code GET /api/v1/builds/{id}/log[?step=NAME][&offset=N][&follow=true]}: the build's log, or one
 * step's output, streamed from the database as it is read, from byte {@code offset}; with {@code
 * follow}, kept open and written to as output arrives until the build has ended (README, "Try the
 * API").
 */
@Path("/api/v1/builds/{id}/log")
public class BuildLogResource {

  static final String TEXT = "text/plain;charset=UTF-8";

  @Inject BuildRepository builds;
  @Inject BuildLog log;
  @Inject LogFollowers followers;

  @GET
  @Produces(TEXT)
  @RolesAllowed(Roles.VIEWER)
  public Response log(
      @PathParam("id") String id,
      @QueryParam("step") String step,
      @QueryParam("offset") String offset,
      @QueryParam("follow") @DefaultValue("false") String followParam,
      @Context RoutingContext routing) {
    long from = bytes(offset);
    boolean follow = follow(followParam);
    builds.findByIdOptional(id).orElseThrow(() -> ApiException.notFound("build", id));
    if (step != null && builds.steps(id).stream().noneMatch(s -> s.name.equals(step))) {
      throw new ApiException(
          404, "not-found", "build '" + id + "' has no step '" + step + "'", "step");
    }
    if (follow) {
      followers.admit(); // given back when the stream ends
    }
    HttpServerResponse response = routing.response();
    AtomicBoolean ended = new AtomicBoolean();
    routing.addEndHandler(
        done -> {
          ended.set(true);
          followers.wake(id); // a follower waiting for output sees that its reader went away
        });
    BuildLog.Request request = new BuildLog.Request(id, step, from, follow);
    StreamingOutput body =
        out -> {
          try {
            log.write(request, out, () -> ended.get() || response.closed());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while following the log of " + id);
          } catch (IOException e) {
            if (!response.closed()) {
              throw e;
            } // else the reader went away: nothing to tell anyone
          } finally {
            if (follow) {
              followers.leave();
            }
          }
        };
    return Response.ok(body, TEXT).build();
  }

  /**
   * {@code follow}: true or false; 400 naming it otherwise (any other value was taken as false).
   */
  private static boolean follow(String follow) {
    if ("true".equalsIgnoreCase(follow.trim()) || "false".equalsIgnoreCase(follow.trim())) {
      return Boolean.parseBoolean(follow.trim());
    }
    throw ApiException.badRequest("follow", "follow must be true or false, not '" + follow + "'");
  }

  private static long bytes(String offset) {
    try {
      long bytes = offset == null ? 0 : Long.parseLong(offset.trim());
      if (bytes >= 0) {
        return bytes;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw ApiException.badRequest(
        "offset", "offset must be a number of bytes, 0 or more, not '" + offset + "'");
  }
}
