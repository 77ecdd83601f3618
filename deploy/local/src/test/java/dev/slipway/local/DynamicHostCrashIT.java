package dev.slipway.local;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.stack.OpenSshHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The allocator worker dies (kill -9) while a blueprint's {@code provision} runs: the worker its
 * supervisor starts again takes the host up once the dead one's claim is stale (3 × the heartbeat,
 * 1 s in {@link E2eStack}), breaks it and the lease that waited for it, and destroys by the host's
 * token what the orphaned {@code provision} made, so that no sshd is left running; the build fails
 * with the reason instead of waiting for ever.
 */
class DynamicHostCrashIT {

  private static final Duration WAIT = Duration.ofSeconds(120);

  @Test
  void workerKilledWhileProvisionRunsLeavesNoHostRunningAndTheBuildFailsWithTheReason()
      throws Exception {
    assumeTrue(OpenSshHost.available(), OpenSshHost.UNAVAILABLE);
    E2eStack stack = E2eStack.get();
    SshdBlueprints sshd = SshdBlueprints.create(stack);
    String pool = "dyn-" + UUID.randomUUID().toString().substring(0, 8);
    Path markers = Files.createTempDirectory(stack.work, "provision-markers");
    Map<String, Object> config = sshd.config(pool);
    // provision says when it starts, makes the host, notes what it made, and prints it only 5 s
    // later: the worker is killed in between
    config.put(
        "provision",
        "#!/bin/sh\n"
            + sshd.environment()
            + "touch '"
            + markers
            + "'/\"$SLIPWAY_TOKEN.started\"\n"
            + "out=$("
            + SshdBlueprints.SCRIPTS.resolve("provision")
            + ") || exit $?\n"
            + "printf '%s\\n' \"$out\" > '"
            + markers
            + "'/\"$SLIPWAY_TOKEN.made\"\n"
            + "sleep 5\n"
            + "printf '%s\\n' \"$out\"\n");
    String blueprint = sshd.add("dyn-crash-" + pool, config);
    ServiceProcess worker = stack.services.worker();
    int restarts = worker.restarts();
    try {
      String build = stack.api.submitBuild(stack.plan(pool, "echo never runs"));
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> started(markers) != null);
      worker.process().destroyForcibly();

      String token = started(markers);
      List<String> hosts = sshd.alive(blueprint);
      assertEquals(1, hosts.size(), hosts.toString());
      String host = hosts.get(0);
      assertEquals(token, sshd.column(host, "token"));
      assertEquals("pending", sshd.column(host, "status"), "killed while the host was being made");
      Path made = markers.resolve(token + ".made");
      await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(made));
      assertTrue(Files.readString(made).contains("\"providerId\""), "provision made an sshd");

      await().atMost(WAIT).until(() -> worker.restarts() == restarts + 1);
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> assertEquals("destroyed", sshd.status(host), sshd.history(host).toString()));
      assertEquals(List.of("pending", "broken", "destroyed"), sshd.statuses(host));
      JsonNode broken = sshd.history(host).get(1);
      assertTrue(
          broken
              .get("reason")
              .asText()
              .contains("the worker making it stopped before it was ready"),
          broken.toString());
      assertFalse(sshd.listed(token), "list shows no sshd for the token");
      assertEquals(0, sshd.sshdProcesses(), "no sshd the orphaned provision started is left");

      List<JsonNode> leases = stack.api.leases("owner=" + build);
      assertEquals(1, leases.size(), leases.toString());
      JsonNode lease = stack.api.lease(leases.get(0).get("id").asText());
      assertEquals("broken", lease.get("status").asText(), lease.toString());
      assertTrue(
          lease.get("reason").asText().contains("its host could not be made"), lease.toString());

      JsonNode finished = stack.api.awaitFinished(build, WAIT);
      assertEquals("failed", finished.get("status").asText(), finished.toString());
      JsonNode step = finished.get("steps").get(0);
      assertEquals("failed", step.get("status").asText(), finished.toString());
      assertTrue(
          step.get("reason").asText().contains("stopped before it was ready"), finished.toString());
    } finally {
      sshd.disable(blueprint);
      await().atMost(WAIT).until(worker::isReady);
    }
  }

  /** The token of the provision that has started, if one has. */
  private static String started(Path markers) throws Exception {
    try (var files = Files.list(markers)) {
      return files
          .map(f -> f.getFileName().toString())
          .filter(n -> n.endsWith(".started"))
          .map(n -> n.substring(0, n.length() - ".started".length()))
          .findFirst()
          .orElse(null);
    }
  }
}
