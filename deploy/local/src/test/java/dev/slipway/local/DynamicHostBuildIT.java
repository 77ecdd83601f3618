package dev.slipway.local;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.events.EventCodec;
import dev.slipway.local.Cli.Finished;
import dev.slipway.stack.OpenSshHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A build on a host made for it: a script-host blueprint added through the API (and through the
 * command line) whose scripts start a real OpenSSH sshd per host ({@code
 * deploy/blueprints/sshd-process}), run by the packaged worker in its own JVM. The build's step
 * runs on the new host, and once its lease is released the host is destroyed (idleTtl 0): its sshd
 * is gone, and its history says why at each move.
 */
class DynamicHostBuildIT {

  private static final Duration WAIT = Duration.ofSeconds(90);

  static E2eStack stack;
  static SshdBlueprints sshd;

  private final List<String> blueprints = new ArrayList<>();
  private String pool;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(OpenSshHost.available(), OpenSshHost.UNAVAILABLE);
    stack = E2eStack.get();
    sshd = SshdBlueprints.create(stack);
  }

  @BeforeEach
  void pool() {
    pool = "dyn-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** Disables the test's blueprints; every host they made must then be destroyed. */
  @AfterEach
  void disableBlueprints() throws Exception {
    for (String name : blueprints) {
      sshd.disable(name);
    }
    for (String name : blueprints) {
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> assertEquals(List.of(), sshd.alive(name), "hosts of " + name + " left"));
    }
  }

  @Test
  void aBuildRunsOnAHostMadeForItWhichIsDestroyedAfterwards() throws Exception {
    blueprints.add(sshd.add("dyn-api-" + pool, sshd.config(pool)));

    buildOnANewHostAndSeeItDestroyed();
  }

  @Test
  void aBlueprintAddedWithTheCommandLineMakesTheBuildsHost() throws Exception {
    String name = "dyn-cli-" + pool;
    try (Cli cli = new Cli(stack)) {
      Path config = cli.home.resolve("blueprint.json");
      Files.writeString(config, EventCodec.mapper().writeValueAsString(sshd.config(pool)));

      Finished added =
          cli.run("blueprint", "add", name, "--kind", "script-host", "--config", config.toString());

      assertEquals(0, added.code(), added.output());
      blueprints.add(name);
      assertTrue(added.output().contains("script-host"), added.output());
    }
    JsonNode stored = stack.api.get("api/v1/blueprints/" + name).ok();
    assertEquals("script-host", stored.get("kind").asText(), stored.toString());
    assertTrue(stored.get("enabled").asBoolean(), stored.toString());

    buildOnANewHostAndSeeItDestroyed();
  }

  @Test
  void aWorkingCopyStepByHostAttributesHasItsHostMadeAndDestroyed() throws Exception {
    String blueprint = sshd.add("dyn-wc-" + pool, sshd.config(pool));
    blueprints.add(blueprint);
    WorkingCopyFixture.Repository repo = WorkingCopyFixture.repository();
    String plan =
        WorkingCopyFixture.plan(
            WorkingCopyFixture.onAnyHost("pool: " + pool), "echo \"app=$(cat app.txt)\"");

    String build = WorkingCopyFixture.passes(plan, repo, repo.a());

    assertTrue(stack.api.log(build).contains("app=A"), stack.api.log(build));
    List<JsonNode> leases = stack.api.leases("owner=" + build);
    JsonNode hostLease =
        leases.stream()
            .filter(l -> l.get("type").asText().equals("host"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no host lease: " + leases));
    String host = hostLease.get("resourceId").asText();
    assertEquals(blueprint, sshd.column(host, "blueprint_id"), "made for the working copy");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertEquals("destroyed", sshd.status(host), sshd.history(host).toString()));
    assertEquals(0, sshd.sshdProcesses(), "no sshd of the blueprint runs");
  }

  /**
   * Runs a build whose only host is one the test's blueprint makes, and checks the host from its
   * making to its end.
   */
  private void buildOnANewHostAndSeeItDestroyed() throws Exception {
    String hostname = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
    String build =
        stack.api.submitBuild(
            stack.plan(pool, "echo \"built on $(hostname): $((6 * 7))\"; echo \"home $HOME\""));

    JsonNode finished = stack.api.awaitFinished(build, WAIT);

    String log = stack.api.log(build);
    assertEquals("passed", finished.get("status").asText(), finished + "\n" + log);
    assertTrue(log.contains("built on " + hostname + ": 42"), log);
    List<JsonNode> leases = stack.api.leases("owner=" + build);
    assertEquals(1, leases.size(), leases.toString());
    String host = leases.get(0).get("resourceId").asText();
    assertEquals(blueprints.get(0), sshd.column(host, "blueprint_id"), "made by the blueprint");
    String token = sshd.column(host, "token");
    int port = Integer.parseInt(sshd.column(host, "port"));

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> assertEquals("destroyed", sshd.status(host), sshd.history(host).toString()));
    assertFalse(SshdBlueprints.listening(port), "its sshd no longer listens on " + port);
    assertFalse(sshd.listed(token), "list shows no sshd for its token");
    assertEquals(0, sshd.sshdProcesses(), "no sshd of the blueprint runs");

    JsonNode history = sshd.history(host);
    assertEquals(
        List.of("pending", "active", "released", "destroyed"),
        sshd.statuses(host),
        history.toString());
    assertReason(history.get(0), "being made for lease " + leases.get(0).get("id").asText());
    assertReason(history.get(1), "ready");
    assertReason(history.get(3), "destroyed by its blueprint");

    JsonNode page = stack.api.get("api/v1/resources/" + host + "/log").ok();
    List<String> lines = new ArrayList<>();
    page.get("lines")
        .forEach(l -> lines.add(l.get("source").asText() + ": " + l.get("line").asText()));
    assertTrue(
        lines.stream()
            .anyMatch(
                l -> l.startsWith("provision: sshd-process: started sshd on 127.0.0.1:" + port)),
        lines.toString());
    assertTrue(
        lines.stream().anyMatch(l -> l.startsWith("destroy: sshd-process: stopping sshd")),
        lines.toString());

    // idleTtl 0: destroyed as its last lease is released, not by the reaper's next round
    assertReason(history.get(2), "its last lease was released");
  }

  private static void assertReason(JsonNode move, String expected) {
    String reason = move.path("reason").asText("");
    assertTrue(
        reason.contains(expected),
        move.get("status") + ": '" + reason + "' lacks '" + expected + "'");
  }
}
