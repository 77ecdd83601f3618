package dev.slipway.containers;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.model.Container;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import org.junit.jupiter.api.TestMethodOrder;
import org.testcontainers.DockerClientFactory;

/**
 * The root {@code docker-compose.yml} brought up for real: podman's Docker API on a private socket
 * ({@code deploy/containers/setup}), the images built locally ({@code
 * deploy/containers/build-images}), the stack started through Testcontainers' compose support with
 * three workers, then checked with the command line as an operator would: the sample hosts
 * registered, builds on them, a worker killed while it runs a build's command (the build still
 * passes), workers scaled to one and back, and everything removed at the end. Figures are printed
 * with the prefix {@code [containers]}.
 */
@TestInstance(Lifecycle.PER_CLASS)
@TestMethodOrder(OrderAnnotation.class)
class ComposeStackIT {

  private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(3);

  private final ComposeStack stack = new ComposeStack(Map.of());
  private Cli cli;
  private int buildsRun;

  @BeforeAll
  void bringTheStackUp() throws Exception {
    cli = stack.start(3).cli();
  }

  @AfterAll
  void tearDown() {
    stack.stop();
    if (stack.project() != null) {
      System.out.printf(
          "[containers] builds run: %d; no containers, networks or volumes left%n", buildsRun);
    }
  }

  @Test
  @Order(1)
  void threeWorkersRunAndTheSampleHostsAreActive() throws Exception {
    assertEquals(3, runningWorkers().size());
    JsonNode hosts = cli.json("host", "list");
    for (String name : List.of("build-host-1", "build-host-2")) {
      JsonNode host = find(hosts, name);
      assertEquals("active", host.path("status").asText(), host.toString());
      assertEquals("linux", host.path("platform").asText(), host.toString());
    }
  }

  @Test
  @Order(2)
  void buildsPassOnTheSampleHosts() throws Exception {
    cli.ok(
        "plan",
        "apply",
        ComposeStack.plan("hello", "{platform: linux, role: build}", "echo hello from $(hostname)")
            .toString(),
        "--name",
        "hello");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      ids.add(cli.ok("build", "start", "--plan", "hello").trim());
    }
    for (String id : ids) {
      assertEquals("passed", awaitFinished(id).path("status").asText());
      assertTrue(cli.ok("logs", id).contains("hello from "), "the log has the command's output");
    }
    System.out.printf("[containers] %d builds passed on the sample hosts%n", ids.size());
  }

  @Test
  @Order(3)
  void aBuildSurvivesTheKillOfTheWorkerRunningItsCommand() throws Exception {
    cli.ok(
        "plan",
        "apply",
        ComposeStack.plan(
                "slow",
                "{platform: linux, role: build}",
                "for i in 1 2 3 4 5 6 7 8; do echo tick $i; sleep 1; done; echo survived")
            .toString(),
        "--name",
        "slow");
    String id = cli.ok("build", "start", "--plan", "slow").trim();
    String runner =
        await("the command started by a runner")
            .atMost(BUILD_TIMEOUT)
            .pollInterval(Duration.ofMillis(300))
            .until(
                () ->
                    stack.sql(
                        "select runner from commands where build_id = '"
                            + id
                            + "' and started_at is not null and runner is not null"),
                r -> !r.isEmpty());
    // A runner is named pid@hostname-…, and a container's hostname is the start of its id.
    String hostname = runner.substring(runner.indexOf('@') + 1, runner.lastIndexOf('-'));
    Container victim =
        runningWorkers().stream()
            .filter(c -> c.getId().startsWith(hostname))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no worker container is " + runner));
    DockerClientFactory.instance().client().killContainerCmd(victim.getId()).exec();
    System.out.printf(
        "[containers] killed worker container %s (%s) while it ran build %s%n",
        victim.getNames()[0], hostname, id);

    JsonNode build = awaitFinished(id);
    assertEquals("passed", build.path("status").asText(), build.toString());
    String log = cli.ok("logs", id);
    assertTrue(log.contains("tick 1") && log.contains("survived"), log);
    String finisher = stack.sql("select runner from commands where build_id = '" + id + "'");
    assertNotEquals(runner, finisher, "another runner took the command over");
    System.out.printf(
        "[containers] build %s passed after the kill: its command was finished by %s%n",
        id, finisher);
  }

  @Test
  @Order(4)
  void workersScaleToOneAndBack() throws Exception {
    for (int replicas : new int[] {1, 3}) {
      long start = System.nanoTime();
      stack.compose("up", "-d", "--no-deps", "--scale", "worker=" + replicas, "worker");
      await("workers at " + replicas)
          .atMost(Duration.ofMinutes(2))
          .until(() -> runningWorkers().size() == replicas);
      String id = cli.ok("build", "start", "--plan", "hello").trim();
      assertEquals("passed", awaitFinished(id).path("status").asText());
      System.out.printf(
          "[containers] scaled to %d worker(s) in %.1f s; a build passed%n",
          replicas, ComposeStack.seconds(start));
    }
  }

  private JsonNode awaitFinished(String id) {
    buildsRun++;
    return await("build " + id + " finished")
        .atMost(BUILD_TIMEOUT)
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> cli.json("build", "show", id),
            b -> !List.of("pending", "running").contains(b.path("status").asText()));
  }

  private static JsonNode find(JsonNode hosts, String name) {
    for (JsonNode host : hosts) {
      if (name.equals(host.path("name").asText())) {
        return host;
      }
    }
    throw new AssertionError(name + " is not in " + hosts);
  }

  private List<Container> runningWorkers() {
    return stack.running("worker");
  }
}
