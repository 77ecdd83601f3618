package dev.slipway.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Plans as graphs on the real system: parallel steps, skipping, if: always, early release. */
class BuildGraphIT {

  static E2eStack stack;
  static String linux;
  static String mac;

  @BeforeAll
  static void start() throws Exception {
    stack = E2eStack.get();
    linux = E2eStack.newPool();
    mac = E2eStack.newPool();
    var linuxHost = stack.sshHost();
    var macHost = stack.sshHost();
    stack.registerHost(
        linuxHost,
        linuxHost.clientPrivateKeyPem(),
        "gl-" + linux,
        "linux",
        Map.of("pool", linux),
        1);
    stack.registerHost(
        macHost, macHost.clientPrivateKeyPem(), "gm-" + mac, "macos", Map.of("pool", mac), 1);
  }

  private String plan(String yaml) throws Exception {
    return stack.savePlan(yaml.replace("LINUX", linux).replace("MAC", mac));
  }

  private static Map<String, JsonNode> steps(JsonNode build) {
    Map<String, JsonNode> steps = new HashMap<>();
    build.get("steps").forEach(s -> steps.put(s.get("name").asText(), s));
    return steps;
  }

  private static Instant at(JsonNode step, String field) {
    return Instant.parse(step.get(field).asText());
  }

  @Test
  void independentStepsRunAtTheSameTimeOnTwoHosts() throws Exception {
    String build =
        stack.api.submitBuild(
            plan(
                """
                steps:
                  - {name: l, kind: lease-host, attributes: {pool: LINUX}}
                  - {name: m, kind: lease-host, attributes: {pool: MAC}, depends_on: []}
                  - {name: onl, kind: run, on: l, command: sleep 3, depends_on: []}
                  - {name: onm, kind: run, on: m, command: sleep 3, depends_on: []}
                """));
    JsonNode finished = stack.api.awaitFinished(build, Duration.ofSeconds(90));
    assertEquals("passed", finished.get("status").asText(), finished.toString());
    Map<String, JsonNode> steps = steps(finished);
    Instant l0 = at(steps.get("onl"), "startedAt");
    Instant l1 = at(steps.get("onl"), "finishedAt");
    Instant m0 = at(steps.get("onm"), "startedAt");
    Instant m1 = at(steps.get("onm"), "finishedAt");
    assertTrue(l0.isBefore(m1) && m0.isBefore(l1), "no overlap: " + finished);
    stack.assertLeasesReleased(build, 2);
  }

  @Test
  void aFailedStepSkipsItsDependentsButAnAlwaysStepRuns() throws Exception {
    String build =
        stack.api.submitBuild(
            plan(
                """
                steps:
                  - {name: h, kind: lease-host, attributes: {pool: LINUX}}
                  - {name: test, kind: run, on: h, command: exit 3}
                  - {name: deploy, kind: run, on: h, command: echo deployed}
                  - {name: notify, kind: run, on: h, command: echo cleanup ran, if: always}
                  - {name: celebrate, kind: run, on: h, command: echo yay, if: on_failure,
                     depends_on: [test]}
                """));
    JsonNode finished = stack.api.awaitFinished(build, Duration.ofSeconds(90));
    assertEquals("failed", finished.get("status").asText(), finished.toString());
    Map<String, JsonNode> steps = steps(finished);
    assertEquals("failed", steps.get("test").get("status").asText());
    assertEquals("skipped", steps.get("deploy").get("status").asText());
    assertTrue(steps.get("deploy").get("startedAt").isNull(), "a skipped step never started");
    assertEquals("passed", steps.get("notify").get("status").asText());
    assertEquals("passed", steps.get("celebrate").get("status").asText());
    assertTrue(stack.api.log(build).contains("cleanup ran"));
    stack.assertLeasesReleased(build);
  }

  @Test
  void aFailureGivesUpLeasesStillWaitedForThatNothingCanUseAnyMore() throws Exception {
    String held = // the mac host's one slot is taken: the build's lease for it waits
        stack
            .api
            .post("api/v1/leases", Map.of("type", "host", "attributes", Map.of("pool", mac)))
            .ok()
            .get("id")
            .asText();
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> stack.api.lease(held).get("status").asText().equals("active"));
    try {
      String build =
          stack.api.submitBuild(
              plan(
                  """
                  steps:
                    - {name: l, kind: lease-host, attributes: {pool: LINUX}}
                    - {name: gone, kind: lease-host, attributes: {pool: MAC}, depends_on: []}
                    - {name: test, kind: run, on: l, command: exit 1, depends_on: []}
                    - {name: use, kind: run, on: gone, command: 'true'}
                  """));
      JsonNode finished = stack.api.awaitFinished(build, Duration.ofSeconds(60));
      assertEquals("failed", finished.get("status").asText(), finished.toString());
      assertTrue(finished.get("reason").asText().startsWith("step test:"), finished.toString());
      Map<String, JsonNode> steps = steps(finished);
      assertEquals("aborted", steps.get("gone").get("status").asText());
      assertEquals("skipped", steps.get("use").get("status").asText());
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(15))
          .until(
              () ->
                  stack
                      .sqlColumn("select status from leases where owner = ? order by seq", build)
                      .equals(java.util.List.of("released", "failed")));
    } finally {
      stack.api.post("api/v1/leases/" + held + "/release", Map.of()).ok();
    }
  }

  @Test
  void aLeaseIsReleasedAsSoonAsNoLaterStepNeedsIt() throws Exception {
    String build =
        stack.api.submitBuild(
            plan(
                """
                steps:
                  - {name: first, kind: lease-host, attributes: {pool: LINUX}}
                  - {name: compile, kind: run, on: first, command: 'true'}
                  - {name: second, kind: lease-host, attributes: {pool: MAC}}
                  - {name: test, kind: run, on: second, command: sleep 3}
                """));
    JsonNode finished = stack.api.awaitFinished(build, Duration.ofSeconds(90));
    assertEquals("passed", finished.get("status").asText(), finished.toString());
    String firstLease = steps(finished).get("first").get("leaseId").asText();
    Instant testEnded = at(steps(finished).get("test"), "finishedAt");
    try (Connection c = stack.sql();
        PreparedStatement q =
            c.prepareStatement(
                "select min(at) from lease_history where lease_id = ? and status = 'released'")) {
      q.setString(1, firstLease);
      try (ResultSet rs = q.executeQuery()) {
        rs.next();
        Timestamp released = rs.getTimestamp(1);
        assertTrue(released != null, "the first lease was never released");
        assertTrue(
            released.toInstant().isBefore(testEnded.minusSeconds(1)),
            "released at " + released.toInstant() + ", the last step ended at " + testEnded);
      }
    }
    stack.assertLeasesReleased(build, 2);
  }
}
