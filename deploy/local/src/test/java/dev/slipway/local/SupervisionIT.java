package dev.slipway.local;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.stack.GeneratedRepository;
import dev.slipway.stack.SshTestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A service that dies (kill -9) is restarted, and no build is lost. */
class SupervisionIT {

  static E2eStack stack;
  static SshTestHost host;
  static String pool;

  @BeforeAll
  static void start() throws Exception {
    stack = E2eStack.get();
    host = stack.sshHost();
    pool = stack.register(host, 2);
  }

  @Test
  void coordinatorKilledWhileItsBuildRunsIsRestartedAndTheBuildStillPasses() throws Exception {
    ServiceProcess coordinator = stack.services.coordinator();
    int restarts = coordinator.restarts();
    String build = stack.api.submitBuild(stack.plan(pool, "sleep 2; echo survived"));
    await().atMost(Duration.ofSeconds(30)).until(() -> host.runningCommands() > 0);

    coordinator.process().destroyForcibly();

    await().atMost(Duration.ofSeconds(90)).until(() -> coordinator.restarts() == restarts + 1);
    JsonNode finished = awaitFinished(build);
    assertEquals("passed", finished.get("status").asText(), finished.toString());
    assertTrue(stack.api.log(build).contains("survived"));
    stack.assertLeasesReleased(build);
  }

  @Test
  void workerKilledBetweenBuildsIsRestartedAndServesTheNextBuild() throws Exception {
    ServiceProcess worker = stack.services.worker();
    int restarts = worker.restarts();

    worker.process().destroyForcibly();
    String build = stack.api.submitBuild(stack.plan(pool, "echo after-restart"));

    await().atMost(Duration.ofSeconds(90)).until(() -> worker.restarts() == restarts + 1);
    JsonNode finished = awaitFinished(build);
    assertEquals("passed", finished.get("status").asText(), finished.toString());
    stack.assertLeasesReleased(build);
  }

  @Test
  void workerKilledMidCommandIsReattachedAndTheCommandRunsOnceWithItsWholeLog(@TempDir Path dir)
      throws Exception {
    ServiceProcess worker = stack.services.worker();
    int restarts = worker.restarts();
    Path ran = dir.resolve("ran.txt");
    String command =
        "echo once >> "
            + ran
            + "; i=1; while [ $i -le 20 ]; do echo line $i; i=$((i+1)); sleep 1; done; exit 3";
    String build = stack.api.submitBuild(stack.plan(pool, command));
    await().atMost(Duration.ofSeconds(60)).until(() -> stack.api.log(build).contains("line 3"));

    worker.process().destroyForcibly();

    await().atMost(Duration.ofSeconds(90)).until(() -> worker.restarts() == restarts + 1);
    JsonNode finished = awaitFinished(build);
    assertEquals("failed", finished.get("status").asText(), finished.toString());
    assertEquals(3, finished.get("steps").get(1).get("exitCode").asInt(), finished.toString());
    List<String> lines = List.of(stack.api.log(build).split("\n"));
    for (int i = 1; i <= 20; i++) {
      String line = "line " + i;
      assertEquals(1, lines.stream().filter(line::equals).count(), line + " in\n" + lines);
    }
    assertEquals(List.of("once"), Files.readAllLines(ran));
    stack.assertLeasesReleased(build);
  }

  @Test
  void workerKilledMidCheckoutIsTakenOverAndTheBuildPassesInACleanCopy() throws Exception {
    ServiceProcess worker = stack.services.worker();
    int restarts = worker.restarts();
    Path repository = Files.createTempDirectory(stack.work, "big").resolve("big.git");
    String head = GeneratedRepository.create(repository, 60_000, 3);
    String plan = "plan-" + UUID.randomUUID().toString().substring(0, 8);
    stack.api.savePlan(
        plan,
        """
        steps:
          - {name: buildhost, kind: lease-host, attributes: {pool: %s}}
          - {name: src, kind: lease-working-copy, host: buildhost}
          - {name: main, kind: run, on: src, command: 'git rev-parse HEAD; git status --porcelain'}
        """
            .formatted(pool));
    String build = stack.api.submitBuild(plan, repository.toUri().toString(), head, "main");
    await()
        .atMost(Duration.ofSeconds(120))
        .until(() -> stack.api.log(build).contains("slipway: cloning"));

    worker.process().destroyForcibly();

    await().atMost(Duration.ofSeconds(90)).until(() -> worker.restarts() == restarts + 1);
    JsonNode finished = awaitFinished(build);
    assertEquals("passed", finished.get("status").asText(), stack.api.log(build));
    String log = stack.api.log(build);
    assertTrue(log.contains("slipway: HEAD " + head), log);
    String output = log.substring(log.indexOf("=== step main"));
    assertTrue(output.contains(head), output);
    stack.assertLeasesReleased(build, 2);
  }

  /** Waits for the build, riding over the moments when the coordinator is down. */
  private static JsonNode awaitFinished(String build) {
    JsonNode[] result = new JsonNode[1];
    await()
        .atMost(Duration.ofSeconds(120))
        .ignoreExceptions()
        .until(
            () -> {
              result[0] = stack.api.awaitFinished(build, Duration.ofSeconds(5));
              return true;
            });
    return result[0];
  }
}
