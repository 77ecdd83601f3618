package dev.slipway.local;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.stack.SshTestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
  void abortedBuildStopsItsCommandOnTheHostAndReleasesItsLease() throws Exception {
    String mark = Long.toString(900_000_000L + (System.nanoTime() % 99_999_999L));
    String build =
        stack.api.submitBuild(
            stack.plan(pool, "echo started; (sleep " + mark + "; echo child) & sleep " + mark));
    await().atMost(Duration.ofSeconds(60)).until(() -> stack.api.log(build).contains("started"));
    assertTrue(processesWith("sleep " + mark) > 0);

    SlipwayClient.Reply reply =
        stack.api.post("api/v1/builds/" + build + "/abort", Map.of("reason", "no longer needed"));

    assertEquals(200, reply.status(), reply.body());
    JsonNode aborted = reply.json();
    assertEquals("aborted", aborted.get("status").asText(), aborted.toString());
    assertEquals("aborted", aborted.get("steps").get(1).get("status").asText());
    await().atMost(Duration.ofSeconds(30)).until(() -> processesWith("sleep " + mark) == 0);
    stack.assertLeasesReleased(build);
    SlipwayClient.Reply again = stack.api.post("api/v1/builds/" + build + "/abort", Map.of());
    assertEquals(409, again.status(), again.body());
  }

  /**
   * How many processes of this machine (the build host) have {@code text} in their command line.
   */
  private static long processesWith(String text) {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().map(c -> c.contains(text)).orElse(false))
        .count();
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
    JsonNode hostView = host("host-" + lockedPool);
    assertTrue(
        hostView.get("suspectReason").asText().contains("authentication failed"),
        hostView.toString());
    assertEquals("active", hostView.get("status").asText());
  }

  @Test
  void hostPresentingAnotherHostKeyIsRefusedAndMarkedBroken() throws Exception {
    SshTestHost impostor = stack.sshHost();
    String impostorPool = E2eStack.newPool();
    Map<String, Object> body = new HashMap<>();
    body.put("name", "host-" + impostorPool);
    body.put("address", impostor.address());
    body.put("port", impostor.port());
    body.put("user", impostor.user());
    body.put("privateKey", impostor.clientPrivateKeyPem());
    body.put("hostKey", stack.sshHost().hostPublicKey()); // pinned: another host's key
    body.put("platform", "linux");
    body.put("attributes", Map.of("pool", impostorPool));
    body.put("slots", 1);
    stack.api.registerHost(body);
    String build = stack.api.submitBuild(stack.plan(impostorPool, "echo should-not-run"));

    JsonNode finished = stack.api.awaitFinished(build, Duration.ofSeconds(60));

    assertEquals("failed", finished.get("status").asText(), finished.toString());
    String reason = finished.get("steps").get(1).get("reason").asText();
    assertTrue(reason.contains("host key mismatch"), reason);
    assertEquals(0, impostor.executedCommands().size());
    stack.assertLeasesReleased(build);
    JsonNode hostView = host("host-" + impostorPool);
    assertEquals("broken", hostView.get("status").asText(), hostView.toString());
    assertTrue(hostView.get("reason").asText().contains("host key mismatch"), hostView.toString());
  }

  @Test
  void hostWhoseKeyHasAPassphraseRunsCommandsAndItsOutputNeverShowsThePassphrase()
      throws Exception {
    SshTestHost guarded = stack.sshHost();
    String guardedPool = E2eStack.newPool();
    String passphrase = "pass-" + UUID.randomUUID();
    Map<String, Object> body = new HashMap<>();
    body.put("name", "host-" + guardedPool);
    body.put("address", guarded.address());
    body.put("port", guarded.port());
    body.put("user", guarded.user());
    body.put("privateKey", guarded.clientPrivateKeyPem(passphrase));
    body.put("privateKeyPassphrase", passphrase);
    body.put("platform", "linux");
    body.put("attributes", Map.of("pool", guardedPool));
    body.put("slots", 1);
    stack.api.registerHost(body);

    // a command that prints the passphrase (a registered secret value) shows it masked
    String build =
        stack.api.submitBuild(
            stack.plan(guardedPool, "echo unlocked; echo \"pw=" + passphrase + "\""));

    JsonNode finished = stack.api.awaitFinished(build, Duration.ofSeconds(60));
    assertEquals("passed", finished.get("status").asText(), finished.toString());
    String log = stack.api.log(build);
    assertTrue(log.contains("unlocked"), log);
    assertTrue(log.contains("pw=" + "*".repeat(passphrase.length()) + "\n"), log);
    assertFalse(log.contains(passphrase), log);
    assertFalse(stack.api.get("api/v1/hosts").body().contains(passphrase));
  }

  /** The registered host named {@code name}, as the API shows it. */
  private static JsonNode host(String name) throws Exception {
    for (JsonNode h : stack.api.get("api/v1/hosts").ok()) {
      if (h.get("name").asText().equals(name)) {
        return h;
      }
    }
    throw new AssertionError("no host " + name);
  }

  @Test
  void hostWithTwoSlotsNeverRunsMoreThanTwoCommandsAtOnce(@TempDir Path dir) throws Exception {
    SshTestHost twoSlots = stack.sshHost();
    String twoPool = stack.register(twoSlots, 2);
    // each command notes on the host when it starts and ends (appends of a line are atomic)
    Path events = dir.resolve("events");
    String plan =
        stack.plan(
            twoPool,
            "echo \"+ $(date +%s%N)\" >> "
                + events
                + "; sleep 1; echo \"- $(date +%s%N)\" >> "
                + events);
    List<String> builds = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      builds.add(stack.api.submitBuild(plan));
    }

    for (String build : builds) {
      JsonNode finished = stack.api.awaitFinished(build, Duration.ofSeconds(90));
      assertEquals("passed", finished.get("status").asText(), finished.toString());
      stack.assertLeasesReleased(build);
    }
    List<String[]> marks =
        Files.readAllLines(events).stream()
            .map(line -> line.split(" "))
            .sorted(Comparator.comparingLong((String[] m) -> Long.parseLong(m[1])))
            .toList();
    assertEquals(5, marks.stream().filter(m -> m[0].equals("+")).count());
    int running = 0;
    int most = 0;
    for (String[] mark : marks) {
      running += mark[0].equals("+") ? 1 : -1;
      most = Math.max(most, running);
    }
    assertEquals(2, most, "commands running at once on the host");
  }
}
