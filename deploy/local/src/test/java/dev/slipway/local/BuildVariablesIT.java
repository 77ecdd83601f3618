package dev.slipway.local;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Variables and environment reach a real command on a real host as words, never as code: hostile
 * values run nothing (checked on the host).
 */
class BuildVariablesIT {

  static E2eStack stack;
  static E2eStack.HostWithHome host;
  static String pool;

  @BeforeAll
  static void start() throws Exception {
    stack = E2eStack.get();
    host = stack.sshHostWithHome();
    pool = stack.register(host.ssh(), 1);
  }

  @Test
  void hostileValuesAreWordsInTheCommandAndDataInTheEnvironment() throws Exception {
    String plan =
        stack.runPlan(
            pool,
            """
            command: |
              printf 'who=[%s]\\n' ${vars.who}
              printf 'n=[%s] step=[%s]\\n' ${build.number} ${step.name}
              printf 'env=[%s]\\n' "$GREETING"
            env: {GREETING: 'hi ${vars.who}; $(touch env-pwned)'}
            """);
    String who = "x;touch pwned; $(touch pwned2) `touch pwned3` '\"";
    JsonNode accepted =
        stack.api.post("api/v1/builds", Map.of("plan", plan, "variables", Map.of("who", who))).ok();
    String build = accepted.get("id").asText();

    JsonNode finished = stack.api.awaitFinished(build, Duration.ofSeconds(60));

    assertEquals("passed", finished.get("status").asText(), finished.toString());
    await().atMost(Duration.ofSeconds(10)).until(() -> stack.api.log(build).contains("env=["));
    String log = stack.api.log(build);
    assertTrue(log.contains("who=[" + who + "]"), log);
    assertTrue(log.contains("n=[1] step=[main]"), log);
    assertTrue(log.contains("env=[hi " + who + "; $(touch env-pwned)]"), log);
    for (String planted : new String[] {"pwned", "pwned2", "pwned3", "env-pwned"}) {
      assertFalse(Files.exists(host.home().resolve(planted)), planted + " was created");
    }
  }

  @Test
  void aBranchThatIsNoRefIsRefusedAtTheDoor() throws Exception {
    String plan = stack.runPlan(pool, "command: echo ${branch}\n");
    SlipwayClient.Reply reply =
        stack.api.post("api/v1/builds", Map.of("plan", plan, "branch", "main;touch pwned"));
    assertEquals(400, reply.status(), reply.body());
    assertEquals("branch", reply.json().get("field").asText());
    assertFalse(Files.exists(host.home().resolve("pwned")));
  }
}
