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
 * The allocator worker dies (kill -9) while a blueprint's {@code provision} runs: an allocator (the
 * one its supervisor starts again, or another replica an earlier test added) takes the host up once
 * the dead one's claim is stale (3 × the heartbeat, 1 s in {@link E2eStack}), breaks it and the
 * lease that waited for it, and destroys by the host's token what the orphaned {@code provision}
 * made, so that no sshd is left running; the build fails with the reason instead of waiting for
 * ever.
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
    // provision says when it starts and which worker runs it (its parent), makes the host, notes
    // what it made, and prints it only 5 s later: that worker is killed in between
    config.put(
        "provision",
        "#!/bin/sh\n"
            + sshd.environment()
            + "echo $PPID > '"
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
    ServiceProcess worker = null;
    try {
      String build = stack.api.submitBuild(stack.plan(pool, "echo never runs"));
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> started(markers) != null && !started(markers).pid().isEmpty());
      Started provision = started(markers);
      worker = runningProvision(stack, provision.pid());
      int restarts = worker.restarts();
      worker.process().destroyForcibly();

      String token = provision.token();
      List<String> hosts = sshd.alive(blueprint);
      assertEquals(1, hosts.size(), hosts.toString());
      String host = hosts.get(0);
      assertEquals(token, sshd.column(host, "token"));
      assertEquals("pending", sshd.column(host, "status"), "killed while the host was being made");
      Path made = markers.resolve(token + ".made");
      await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(made));
      assertTrue(Files.readString(made).contains("\"providerId\""), "provision made an sshd");

      ServiceProcess killed = worker;
      await().atMost(WAIT).until(() -> killed.restarts() == restarts + 1);
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
              .contains("the worker making it stopped before provision ended"),
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
          step.get("reason").asText().contains("stopped before provision ended"),
          finished.toString());
    } finally {
      sshd.disable(blueprint);
      for (ServiceProcess each : stack.services.workers()) {
        await().atMost(WAIT).until(each::isReady);
      }
    }
  }

  /** A provision that has started: its host's token, and the pid of the worker running it. */
  private record Started(String token, String pid) {}

  /** The provision that has started, if one has. */
  private static Started started(Path markers) throws Exception {
    try (var files = Files.list(markers)) {
      Path file =
          files
              .filter(f -> f.getFileName().toString().endsWith(".started"))
              .findFirst()
              .orElse(null);
      if (file == null) {
        return null;
      }
      String name = file.getFileName().toString();
      return new Started(
          name.substring(0, name.length() - ".started".length()), Files.readString(file).strip());
    }
  }

  /** The worker whose process is {@code pid}: any allocator may have picked the lease up. */
  private static ServiceProcess runningProvision(E2eStack stack, String pid) {
    return stack.services.workers().stream()
        .filter(w -> Long.toString(w.process().pid()).equals(pid))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no worker has pid " + pid));
  }
}
