package dev.slipway.coordinator.build.rest;

import dev.slipway.common.plan.ArtifactNames;
import dev.slipway.coordinator.api.ApiException;
import dev.slipway.coordinator.auth.Roles;
import dev.slipway.coordinator.build.BuildRepository;
import dev.slipway.platform.artifact.Artifact;
import dev.slipway.platform.artifact.ArtifactStore;
import dev.slipway.platform.artifact.Artifacts;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * A build's artifacts (docs/plans.md, "Artifacts API and CLI"): {@code GET
 * /api/v1/builds/{id}/artifacts} lists what the {@code artifacts} table records, and {@code GET
 * /api/v1/builds/{id}/artifacts/{name}} streams one artifact's bytes from the {@link ArtifactStore}
 * as they are read: a file as it was, a directory as a tar.
 */
@Path("/api/v1/builds/{id}/artifacts")
public class ArtifactResource {

  private static final Logger LOG = Logger.getLogger(ArtifactResource.class);

  /** A directory artifact's media type: it is kept, and served, as a tar. */
  static final String TAR = "application/x-tar";

  /** An artifact as the API shows it. */
  public record ArtifactView(
      String name, String step, String kind, long sizeBytes, String sha256, Instant createdAt) {

    static ArtifactView of(Artifact a) {
      return new ArtifactView(a.name, a.stepName, a.kind, a.sizeBytes, a.sha256, a.createdAt);
    }
  }

  @Inject BuildRepository builds;
  @Inject Artifacts artifacts;
  @Inject ArtifactStore store;

  /** {@code GET /api/v1/builds/{id}/artifacts}: the build's artifacts by name; 404: no build. */
  @GET
  @Produces(MediaType.APPLICATION_JSON)
  @RolesAllowed(Roles.VIEWER)
  public List<ArtifactView> list(@PathParam("id") String id) {
    requireBuild(id);
    return artifacts.of(id).stream().map(ArtifactView::of).toList();
  }

  /**
   * {@code GET /api/v1/builds/{id}/artifacts/{name}}: the artifact's bytes, streamed from the store
   * (never held in memory) with {@code Content-Length}, {@code Content-Disposition: attachment} and
   * {@code Repr-Digest: sha-256=:BASE64:} (RFC 9530). No {@code @Produces}: the body's type follows
   * the artifact's kind, whatever the client accepts; an error is the API's JSON.
   */
  @GET
  @Path("{name}")
  @RolesAllowed(Roles.VIEWER)
  public Response download(
      @PathParam("id") String id, @PathParam("name") String name, @Context RoutingContext routing) {
    String problem = ArtifactNames.problem(name);
    if (problem != null) {
      throw ApiException.badRequest("name", problem + ", not '" + name + "'");
    }
    requireBuild(id);
    Artifact artifact =
        artifacts
            .find(id, name)
            .orElseThrow(
                () ->
                    new ApiException(
                        404,
                        "not-found",
                        "build '" + id + "' has no artifact '" + name + "'",
                        "name"));
    InputStream in = open(artifact);
    // Closed when the body is written, or when the response ends without it (the caller left).
    routing.addEndHandler(done -> closeQuietly(in));
    StreamingOutput body =
        out -> {
          try (in) {
            in.transferTo(out);
          }
        };
    boolean directory = Artifact.DIRECTORY.equals(artifact.kind);
    return Response.ok(body, directory ? TAR : MediaType.APPLICATION_OCTET_STREAM)
        .header(HttpHeaders.CONTENT_LENGTH, artifact.sizeBytes)
        .header(
            "Content-Disposition",
            "attachment; filename=\"" + artifact.name + (directory ? ".tar" : "") + "\"")
        .header("Repr-Digest", reprDigest(artifact.sha256))
        .build();
  }

  /**
   * The artifact's bytes. A row whose blob the store does not hold is the server's fault (the store
   * lost it, or another store is configured than the runners use): a 500 that says so, logged here
   * once.
   */
  private InputStream open(Artifact artifact) {
    try {
      return store.open(artifact.buildId, artifact.name);
    } catch (NoSuchFileException e) {
      String message =
          "artifact '"
              + artifact.name
              + "' of build '"
              + artifact.buildId
              + "' is missing from the artifact store";
      LOG.error(message + " (it is recorded in the artifacts table)");
      throw new ApiException(500, "internal", message, null);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read artifact '" + artifact.name + "' of build '" + artifact.buildId + "'", e);
    }
  }

  /** RFC 9530 {@code Repr-Digest} of a lower-case hex SHA-256: {@code sha-256=:BASE64:}. */
  static String reprDigest(String sha256Hex) {
    return "sha-256=:"
        + Base64.getEncoder().encodeToString(HexFormat.of().parseHex(sha256Hex))
        + ":";
  }

  private void requireBuild(String id) {
    builds.findByIdOptional(id).orElseThrow(() -> ApiException.notFound("build", id));
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      // nothing left to tell anyone: the response has ended
    }
  }
}
