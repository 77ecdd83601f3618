package dev.slipway.local;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.stack.SshTestHost;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** One build travels REST → coordinator → Kafka → allocator → runner → SSH → coordinator. */
class BuildPathIT {

  static E2eStack stack;
  static SshTestHost host;
  static String pool;

  @BeforeAll
  static void start() throws Exception {
    stack = E2eStack.get();
    host = stack.sshHost();
    pool = stack.register(host, 1);
  }

  @Test
  void buildThatEchoesATokenPassesAndItsLeaseIsReleased() throws Exception {
    String token = UUID.randomUUID().toString();
    String build = stack.api.submitBuild(stack.plan(pool, "echo token=" + token));

    JsonNode finished = stack.api.awaitFinished(build, Duration.ofSeconds(60));

    assertEquals("passed", finished.get("status").asText(), finished.toString());
    JsonNode run = finished.get("steps").get(1);
    assertEquals("passed", run.get("status").asText());
    assertEquals(0, run.get("exitCode").asInt());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> stack.api.log(build).contains("token=" + token));
    String log = stack.api.log(build);
    assertTrue(log.indexOf("=== step buildhost") < log.indexOf("=== step main"), log);
    assertTrue(log.indexOf("=== step main") < log.indexOf("token=" + token), log);
    stack.assertLeasesReleased(build);
  }

  @Test
  void buildWhoseCommandExitsThreeFailsAndStillReleasesItsLease() throws Exception {
    String build = stack.api.submitBuild(stack.plan(pool, "echo failing; exit 3"));

    JsonNode finished = stack.api.awaitFinished(build, Duration.ofSeconds(60));

    assertEquals("failed", finished.get("status").asText(), finished.toString());
    JsonNode run = finished.get("steps").get(1);
    assertEquals("failed", run.get("status").asText());
    assertEquals(3, run.get("exitCode").asInt());
    stack.assertLeasesReleased(build);
  }

  @Test
  void hostThatRejectsTheKeyFailsTheBuildSayingAuthenticationFailed() throws Exception {
    SshTestHost locked = stack.sshHost();
    String lockedPool = stack.register(locked, 1, SshTestHost.generatePrivateKeyPem());
    String build = stack.api.submitBuild(stack.plan(lockedPool, "echo should-not-run"));

    JsonNode finished = stack.api.awaitFinished(build, Duration.ofSeconds(60));

    assertEquals("failed", finished.get("status").asText(), finished.toString());
    String reason = finished.get("steps").get(1).get("reason").asText();
    assertTrue(reason.contains("authentication failed"), reason);
    assertTrue(stack.api.log(build).contains("authentication failed"));
    assertEquals(0, locked.executedCommands().size());
    stack.assertLeasesReleased(build);
  }

  @Test
  void hostWithTwoSlotsNeverRunsMoreThanTwoCommandsAtOnce() throws Exception {
    SshTestHost twoSlots = stack.sshHost();
    String twoPool = stack.register(twoSlots, 2);
    String plan = stack.plan(twoPool, "sleep 1");
    List<String> builds = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      builds.add(stack.api.submitBuild(plan));
    }

    for (String build : builds) {
      JsonNode finished = stack.api.awaitFinished(build, Duration.ofSeconds(90));
      assertEquals("passed", finished.get("status").asText(), finished.toString());
      stack.assertLeasesReleased(build);
    }
    assertEquals(5, twoSlots.executedCommands().size());
    assertEquals(2, twoSlots.maxConcurrentCommands(), "commands running at once on the host");
  }
}
