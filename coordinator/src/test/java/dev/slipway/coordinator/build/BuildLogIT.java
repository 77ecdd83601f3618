package dev.slipway.coordinator.build;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.common.events.CommandFinished;
import dev.slipway.common.events.CommandOutput;
import dev.slipway.common.events.LeaseChanged;
import dev.slipway.coordinator.auth.AuthTestResource;
import dev.slipway.stack.RealServices;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /api/v1/builds/{id}/log}: ranges by step and offset, the per-step cap, and followers,
 * on builds whose output goes through the build engine into a real PostgreSQL.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@QuarkusTestResource(AuthTestResource.class)
@TestProfile(BuildLogIT.SmallCap.class)
class BuildLogIT {

  /** A cap of 1 KiB per step, so that a test reaches it. */
  public static class SmallCap implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("slipway.builds.max-log-bytes-per-step", "1K");
    }
  }

  private static final Duration WAIT = Duration.ofSeconds(20);

  @Inject BuildEngine engine;
  @Inject BuildRepository builds;
  @Inject LogFollowers followers;

  @TestHTTPResource("/")
  URL server;

  @Test
  void theLogAndItsRangesByStepAndOffset() {
    Running build = startBuild();
    build.out(CommandOutput.STDOUT, "hello\n");
    build.out(CommandOutput.STDERR, "oops\n");
    build.out(CommandOutput.STDOUT, "wörld\n");
    build.finish(0);

    String log = get(build.id, "");
    assertEquals(
        "=== step host (lease-host): passed\n"
            + "=== step main (run): passed, exit code 0\n"
            + "hello\noops\nwörld\n"
            + "=== build passed\n",
        log);
    byte[] bytes = log.getBytes(StandardCharsets.UTF_8);
    int n = log.indexOf("oops");
    assertEquals(log.substring(n), get(build.id, "?offset=" + n));
    assertEquals("", get(build.id, "?offset=" + bytes.length));
    assertEquals("", get(build.id, "?offset=" + (bytes.length + 10)));
    assertEquals("hello\noops\nwörld\n", get(build.id, "?step=main"));
    assertEquals("oops\nwörld\n", get(build.id, "?step=main&offset=6"));
    assertEquals("rld\n", get(build.id, "?step=main&offset=14")); // 'ö' is two bytes
    assertEquals("", get(build.id, "?step=host"));

    as().get("/api/v1/builds/" + build.id + "/log?step=nope")
        .then()
        .statusCode(404)
        .body("message", containsString("'nope'"));
    as().get("/api/v1/builds/build-missing/log").then().statusCode(404);
    as().get("/api/v1/builds/" + build.id + "/log?offset=-1").then().statusCode(400);
    as().get("/api/v1/builds/" + build.id + "/log?offset=ten").then().statusCode(400);
  }

  @Test
  void outputBeyondTheCapIsDroppedAndMarkedOnce() {
    Running build = startBuild();
    String line = "a".repeat(599) + "\n";
    build.out(CommandOutput.STDOUT, line);
    build.out(CommandOutput.STDOUT, line);
    build.out(CommandOutput.STDERR, "late\n");
    build.out(CommandOutput.STDOUT, line);
    build.resend(CommandOutput.STDOUT, 600, line); // redelivered: changes nothing
    build.finish(0); // every byte announced is accounted for: the step completes

    String marker = "slipway: output truncated after 1 KiB\n";
    assertEquals(line + "a".repeat(1024 - 600) + "\n" + marker, get(build.id, "?step=main"));
    String log = get(build.id, "");
    assertEquals(log.indexOf(marker), log.lastIndexOf(marker), log);
    assertTrue(log.endsWith(marker + "=== build passed\n"), log);
  }

  @Test
  void outputThatNeverArrivedIsMarkedWhereItIsMissingAndOnTheStep() {
    Running build = startBuild();
    build.out(CommandOutput.STDOUT, "one\n");
    build.stdout += 5; // "two\n" and more: lost on the way
    build.out(CommandOutput.STDOUT, "three\n");
    build.finish(0);

    assertEquals(
        "one\nslipway: 5 bytes of stdout never arrived here\nthree\n", get(build.id, "?step=main"));
    as().get("/api/v1/builds/" + build.id)
        .then()
        .body("status", org.hamcrest.Matchers.equalTo("passed"))
        .body("steps[1].status", org.hamcrest.Matchers.equalTo("passed"))
        .body("steps[1].reason", containsString("log is incomplete"));
  }

  @Test
  void aRunnerThatCouldNotDeliverItsOutputHasItsStepCompletedAndMarked() {
    Running build = startBuild();
    build.out(CommandOutput.STDOUT, "one\n");
    build.stdout = -1; // the runner's publishing failed: it cannot say how much there was
    build.stderr = -1;
    build.finish(3);

    String log = get(build.id, "?step=main");
    assertEquals(
        "one\nslipway: part of this step's output could not be delivered;"
            + " its log is incomplete\n",
        log);
    as().get("/api/v1/builds/" + build.id)
        .then()
        .body("status", org.hamcrest.Matchers.equalTo("failed"))
        .body("steps[1].reason", containsString("command exited with 3"))
        .body("steps[1].reason", containsString("log is incomplete"));
  }

  @Test
  void aFollowerGetsOutputAsItIsStoredUntilTheBuildEnds() throws Exception {
    Running build = startBuild();
    build.out(CommandOutput.STDOUT, "first\n");
    Follow log = follow(build.id, "");
    Follow step = follow(build.id, "step=main&");
    await().atMost(WAIT).until(() -> log.text().contains("first\n"));
    await().atMost(WAIT).until(() -> step.text().equals("first\n"));

    build.out(CommandOutput.STDOUT, "second\n");
    await().atMost(WAIT).until(() -> log.text().contains("first\nsecond\n"));
    assertTrue(!log.ended() && !step.ended(), "the follows end only with the build");

    build.finish(0);
    await().atMost(WAIT).until(() -> log.ended() && step.ended());
    assertEquals(
        "=== step host (lease-host): passed\n"
            + "=== step main (run): running\n"
            + "first\nsecond\n"
            + "--- passed, exit code 0\n"
            + "=== build passed\n",
        log.text());
    assertEquals("first\nsecond\n", step.text());
    // once the build has ended, a follow is the plain log
    assertEquals(get(build.id, ""), follow(build.id, "").awaitEnd());
    assertEquals("second\n", follow(build.id, "step=main&offset=6&").awaitEnd());
  }

  @Test
  void aFollowerWhoseReaderWentAwayStops() throws Exception {
    Running build = startBuild();
    build.out(CommandOutput.STDOUT, "first\n");
    try (Socket socket = new Socket(server.getHost(), server.getPort())) {
      OutputStream request = socket.getOutputStream();
      request.write(
          ("GET /api/v1/builds/"
                  + build.id
                  + "/log?follow=true HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                  + AuthTestResource.ADMIN_TOKEN
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      request.flush();
      InputStream response = socket.getInputStream();
      StringBuilder seen = new StringBuilder();
      while (!seen.toString().contains("first\n")) {
        int b = response.read();
        assertTrue(b >= 0, "the follow ended early: " + seen);
        seen.append((char) b);
      }
      assertTrue(followers.followed(build.id));
    }
    await().atMost(WAIT).until(() -> !followers.followed(build.id));
  }

  // --- builds whose output the test stores through the build engine

  /** A build whose {@code main} step runs, its command waiting for output. */
  private final class Running {
    final String id;
    final String commandId;
    private long stdout;
    private long stderr;
    private long seq;

    Running(String id, String commandId) {
      this.id = id;
      this.commandId = commandId;
    }

    void out(String stream, String text) {
      boolean isOut = CommandOutput.STDOUT.equals(stream);
      long offset = isOut ? stdout : stderr;
      int bytes = resend(stream, offset, text);
      if (isOut) {
        stdout += bytes;
      } else {
        stderr += bytes;
      }
    }

    int resend(String stream, long offset, String text) {
      int bytes = text.getBytes(StandardCharsets.UTF_8).length;
      CommandOutput chunk = new CommandOutput(commandId, id, seq++, stream, offset, bytes, text);
      QuarkusTransaction.requiringNew().run(() -> engine.onCommandOutput(chunk));
      return bytes;
    }

    void finish(int exitCode) {
      CommandFinished result =
          new CommandFinished(
              commandId, id, CommandFinished.EXITED, exitCode, null, null, 1, stdout, stderr);
      QuarkusTransaction.requiringNew().run(() -> engine.onCommandFinished(result));
    }
  }

  /**
   * A build of plan {@code host} (lease-host) then {@code main} (run): the test registers a host
   * (never contacted), gives the build's lease a slot on it in the database and tells the engine,
   * which starts {@code main}.
   */
  private Running startBuild() {
    String plan = "log-" + UUID.randomUUID();
    as().body(
            Map.of(
                "name",
                plan,
                "yaml",
                "steps:\n  - {name: host, kind: lease-host, attributes: {pool: nowhere-"
                    + plan
                    + "}}\n  - {name: main, kind: run, on: host, command: 'true'}\n"))
        .post("/api/v1/plans")
        .then()
        .statusCode(201);
    String id =
        as().body(Map.of("plan", plan))
            .post("/api/v1/builds")
            .then()
            .statusCode(202)
            .extract()
            .path("id");
    String hostId =
        as().body(
                Map.of(
                    "name", plan,
                    "address", "127.0.0.1",
                    "user", "ci",
                    "platform", "linux",
                    "attributes", Map.of("pool", "log-test-" + plan),
                    "privateKey",
                        "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----"))
            .post("/api/v1/hosts")
            .then()
            .statusCode(201)
            .extract()
            .path("id");
    String leaseId = step(id, "host").leaseId;
    LeaseChanged activated =
        new LeaseChanged(
            leaseId,
            "host",
            "active",
            "acquired",
            hostId,
            id,
            Map.of(),
            null,
            null,
            null,
            null,
            null);
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              builds
                  .getEntityManager()
                  .createNativeQuery(
                      "update leases set status = 'active', resource_id = ?2, command_host_id = ?2"
                          + " where id = ?1")
                  .setParameter(1, leaseId)
                  .setParameter(2, hostId)
                  .executeUpdate();
              engine.onLeaseChanged(activated);
            });
    return new Running(id, step(id, "main").commandId);
  }

  private Step step(String buildId, String name) {
    return QuarkusTransaction.requiringNew().call(() -> builds.step(buildId, name));
  }

  private static RequestSpecification as() {
    return given()
        .contentType(ContentType.JSON)
        .header("Authorization", "Bearer " + AuthTestResource.ADMIN_TOKEN);
  }

  private static String get(String buildId, String query) {
    return as().get("/api/v1/builds/" + buildId + "/log" + query)
        .then()
        .statusCode(200)
        .extract()
        .asString();
  }

  // --- follows, read as the bytes arrive

  /** A follow of a log: what arrived so far, and whether the response has ended. */
  private static final class Follow {
    private final StringBuffer text = new StringBuffer();
    private final CompletableFuture<Void> end = new CompletableFuture<>();

    String text() {
      return text.toString();
    }

    boolean ended() {
      return end.isDone();
    }

    String awaitEnd() {
      await().atMost(WAIT).until(this::ended);
      return text();
    }
  }

  private Follow follow(String buildId, String query) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create(server + "api/v1/builds/" + buildId + "/log?" + query + "follow=true"))
            .header("Authorization", "Bearer " + AuthTestResource.ADMIN_TOKEN)
            .build();
    HttpResponse<InputStream> response =
        HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, response.statusCode());
    Follow follow = new Follow();
    CompletableFuture.runAsync(
        () -> {
          try (InputStream in = response.body()) {
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) >= 0; ) {
              // the logs followed here are ASCII: no read splits a character
              follow.text.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
            }
            follow.end.complete(null);
          } catch (Exception e) {
            follow.end.completeExceptionally(e);
          }
        });
    return follow;
  }
}
