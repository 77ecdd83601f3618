package dev.slipway.coordinator.build;

import static dev.slipway.coordinator.auth.AuthTestResource.admin;
import static dev.slipway.coordinator.auth.AuthTestResource.as;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.slipway.coordinator.auth.AuthTestResource;
import dev.slipway.coordinator.auth.Roles;
import dev.slipway.platform.artifact.Artifact;
import dev.slipway.platform.artifact.ArtifactStore;
import dev.slipway.platform.artifact.Artifacts;
import dev.slipway.stack.RealServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /api/v1/builds/{id}/artifacts[/{name}]} against a real PostgreSQL and the directory
 * artifact store in a temporary directory. Builds of a plan whose host lease can never be served;
 * their artifacts are put into the store and recorded directly, as a runner's upload-artifact step
 * would.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@QuarkusTestResource(AuthTestResource.class)
@TestProfile(ArtifactApiIT.ArtifactDirectory.class)
class ArtifactApiIT {

  /** The artifact store in a directory of this test's own. */
  public static class ArtifactDirectory implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      try {
        return Map.of(
            "slipway.artifacts.directory",
            Files.createTempDirectory("slipway-artifacts-it").toString());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  @Inject ArtifactStore store;
  @Inject Artifacts artifacts;

  private String viewer;
  private final List<String> started = new ArrayList<>();

  @BeforeEach
  void viewerToken() {
    viewer =
        admin()
            .body(
                Map.of(
                    "name",
                    "artifact-viewer-" + UUID.randomUUID().toString().substring(0, 8),
                    "role",
                    Roles.VIEWER))
            .post("/api/v1/tokens")
            .then()
            .statusCode(201)
            .extract()
            .path("token");
  }

  @AfterEach
  void abortWhatWasStarted() {
    for (String id : started) {
      admin().body(Map.of("reason", "test over")).post("/api/v1/builds/" + id + "/abort");
    }
  }

  @Test
  void theListingShowsEveryArtifactByNameAndAnEmptyBuildHasNone() throws Exception {
    String build = startBuild();
    as(viewer)
        .get("/api/v1/builds/" + build + "/artifacts")
        .then()
        .statusCode(200)
        .body("size()", equalTo(0));

    byte[] report = "<html>report</html>\n".getBytes(StandardCharsets.UTF_8);
    byte[] tar = random(20_000, 1);
    seed(build, "report.html", "publish", Artifact.FILE, report);
    seed(build, "dist", "package", Artifact.DIRECTORY, tar);

    JsonPath listing =
        as(viewer)
            .get("/api/v1/builds/" + build + "/artifacts")
            .then()
            .statusCode(200)
            .contentType(containsString("application/json"))
            .extract()
            .jsonPath();
    assertEquals(List.of("dist", "report.html"), listing.getList("name"));
    assertEquals(List.of("package", "publish"), listing.getList("step"));
    assertEquals(List.of("directory", "file"), listing.getList("kind"));
    assertEquals(List.of(tar.length, report.length), listing.getList("sizeBytes"));
    assertEquals(List.of(sha256(tar), sha256(report)), listing.getList("sha256"));
    for (String createdAt : listing.<String>getList("createdAt")) {
      assertNotNull(Instant.parse(createdAt));
    }
    assertEquals(
        List.of("createdAt", "kind", "name", "sha256", "sizeBytes", "step"),
        listing.<Map<String, Object>>getList("").get(0).keySet().stream().sorted().toList());
  }

  @Test
  void aFileDownloadsByteForByteWithItsHeaders() throws Exception {
    String build = startBuild();
    byte[] bytes = random(5 * 1024 * 1024 + 7, 2); // larger than any buffer on the way
    seed(build, "app.bin", "publish", Artifact.FILE, bytes);

    Response response = as(viewer).get("/api/v1/builds/" + build + "/artifacts/app.bin");

    assertEquals(200, response.statusCode(), response.asString());
    assertArrayEquals(bytes, response.asByteArray());
    assertEquals("application/octet-stream", response.contentType());
    assertEquals(String.valueOf(bytes.length), response.header("Content-Length"));
    assertEquals("attachment; filename=\"app.bin\"", response.header("Content-Disposition"));
    assertEquals(
        "sha-256=:"
            + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(bytes))
            + ":",
        response.header("Repr-Digest"));
  }

  @Test
  void aDirectoryDownloadsAsItsTar() throws Exception {
    String build = startBuild();
    byte[] tar = random(30_000, 3); // the API serves the stored tar as it is
    seed(build, "site", "docs", Artifact.DIRECTORY, tar);

    // whatever the client accepts: the CLI asks for text or JSON (the API's errors)
    Response response =
        as(viewer)
            .accept("text/plain, application/json;q=0.5")
            .get("/api/v1/builds/" + build + "/artifacts/site");

    assertEquals(200, response.statusCode(), response.asString());
    assertArrayEquals(tar, response.asByteArray());
    assertEquals("application/x-tar", response.contentType());
    assertEquals(String.valueOf(tar.length), response.header("Content-Length"));
    assertEquals("attachment; filename=\"site.tar\"", response.header("Content-Disposition"));
  }

  @Test
  void unknownBuildsAndArtifactsAre404AndBadNames400() throws Exception {
    String build = startBuild();
    seed(build, "a.txt", "publish", Artifact.FILE, "a\n".getBytes(StandardCharsets.UTF_8));

    as(viewer)
        .get("/api/v1/builds/build-missing/artifacts")
        .then()
        .statusCode(404)
        .body("error", equalTo("not-found"))
        .body("message", containsString("build-missing"));
    as(viewer)
        .get("/api/v1/builds/build-missing/artifacts/a.txt")
        .then()
        .statusCode(404)
        .body("message", containsString("build-missing"));
    as(viewer)
        .get("/api/v1/builds/" + build + "/artifacts/b.txt")
        .then()
        .statusCode(404)
        .contentType(containsString("application/json"))
        .body("error", equalTo("not-found"))
        .body("message", equalTo("build '" + build + "' has no artifact 'b.txt'"))
        .body("field", equalTo("name"));
    for (String bad : List.of("-a", "a%20b", ".hidden", "x".repeat(101))) {
      as(viewer)
          .get("/api/v1/builds/" + build + "/artifacts/" + bad)
          .then()
          .statusCode(400)
          .body("error", equalTo("invalid-request"))
          .body("field", equalTo("name"))
          .body("message", containsString("artifact name must match"));
    }
  }

  @Test
  void aRecordedArtifactMissingFromTheStoreIsAServerError() {
    String build = startBuild();
    // recorded, as if the store had lost it (or another store were configured than the runners')
    artifacts.record(
        build, "lost.zip", "publish", Artifact.FILE, new ArtifactStore.Stored(3, sha256Hex("x")));

    as(viewer)
        .get("/api/v1/builds/" + build + "/artifacts/lost.zip")
        .then()
        .statusCode(500)
        .contentType(containsString("application/json"))
        .body("error", equalTo("internal"))
        .body(
            "message",
            equalTo(
                "artifact 'lost.zip' of build '" + build + "' is missing from the artifact store"))
        .body("field", nullValue());
    // the listing still shows what is recorded
    as(viewer)
        .get("/api/v1/builds/" + build + "/artifacts")
        .then()
        .statusCode(200)
        .body("name", equalTo(List.of("lost.zip")));
  }

  @Test
  void aViewerMayReadAndNobodyWithoutAToken() throws Exception {
    String build = startBuild();
    seed(build, "a.txt", "publish", Artifact.FILE, "a\n".getBytes(StandardCharsets.UTF_8));

    for (String path : List.of("/artifacts", "/artifacts/a.txt")) {
      as(viewer).get("/api/v1/builds/" + build + path).then().statusCode(200);
      given()
          .get("/api/v1/builds/" + build + path)
          .then()
          .statusCode(401)
          .header("WWW-Authenticate", "Bearer")
          .body("error", equalTo("unauthorized"));
    }
  }

  // --- builds and artifacts the test makes

  /** A build of an unservable plan of its own: it stays pending until the test aborts it. */
  private String startBuild() {
    String id =
        AuthTestResource.startBuild(
            "artifacts", AuthTestResource.unservablePlan(UUID.randomUUID().toString()));
    started.add(id);
    return id;
  }

  /** Puts {@code bytes} into the store as artifact {@code name} and records it. */
  private void seed(String build, String name, String step, String kind, byte[] bytes)
      throws IOException {
    Path blob = Files.createTempFile("artifact-", ".blob");
    try {
      Files.write(blob, bytes);
      ArtifactStore.Stored stored = store.put(build, name, blob);
      assertEquals(bytes.length, stored.sizeBytes());
      assertEquals(sha256(bytes), stored.sha256());
      artifacts.record(build, name, step, kind, stored);
    } finally {
      Files.deleteIfExists(blob);
    }
  }

  private static byte[] random(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String sha256Hex(String text) {
    return sha256(text.getBytes(StandardCharsets.UTF_8));
  }
}
