package dev.slipway.local;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.events.Topics;
import dev.slipway.stack.TopicReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A build secret reaches its command as an environment variable and nothing else: masked in the
 * log, absent from every topic, every API response and both services' logs.
 */
class BuildSecretsIT {

  static E2eStack stack;
  static String pool;

  @BeforeAll
  static void start() throws Exception {
    stack = E2eStack.get();
    pool = stack.register(stack.sshHost(), 1);
  }

  private String plan(String env) throws Exception {
    return stack.runPlan(
        pool, "command: echo \"token=[$NPM_TOKEN]\"\nenv: {NPM_TOKEN: '" + env + "'}\n");
  }

  @Test
  void aSecretIsMaskedInTheLogAndFoundNowhereElse() throws Exception {
    String secretName = "npm" + UUID.randomUUID().toString().substring(0, 6);
    String value = "npm_" + UUID.randomUUID().toString().replace("-", "");
    SlipwayClient.Reply stored =
        stack.api.post("api/v1/secrets", Map.of("name", secretName, "value", value));
    assertEquals(201, stored.status(), stored.body());
    assertFalse(stored.body().contains(value));

    String build = stack.api.submitBuild(plan("${secrets." + secretName + "}"));
    JsonNode finished = stack.api.awaitFinished(build, Duration.ofSeconds(60));

    assertEquals("passed", finished.get("status").asText(), finished.toString());
    await().atMost(Duration.ofSeconds(10)).until(() -> stack.api.log(build).contains("token=["));
    String log = stack.api.log(build);
    assertTrue(log.contains("token=[" + "*".repeat(value.length()) + "]"), log);
    assertFalse(log.contains(value), log);
    for (String path :
        List.of("api/v1/builds/" + build, "api/v1/secrets", "api/v1/audit?limit=1000")) {
      String body = stack.api.get(path).body();
      assertFalse(body.contains(value), path + ": " + body);
    }
    for (String topic :
        List.of(
            Topics.BUILDS,
            Topics.COMMAND_REQUESTS,
            Topics.COMMAND_OUTPUT,
            Topics.COMMAND_RESULTS,
            Topics.AUDIT)) {
      for (var record : TopicReader.readAll(stack.broker.bootstrapServers(), topic)) {
        assertFalse(record.value().contains(value), topic + ": " + record.value());
      }
    }
    try (var logs = Files.list(stack.work.resolve("logs"))) {
      for (Path file : logs.toList()) {
        assertFalse(Files.readString(file).contains(value), file + " holds the secret");
      }
    }
    try (var rows =
        stack.sql().createStatement().executeQuery("select cast(c.* as text) from commands c")) {
      while (rows.next()) {
        assertFalse(rows.getString(1).contains(value), "a command row holds the secret");
      }
    }
  }

  @Test
  void aPlanUsingASecretThatDoesNotExistIsRefusedWhenTheBuildIsAsked() throws Exception {
    SlipwayClient.Reply reply =
        stack.api.post("api/v1/builds", Map.of("plan", plan("${secrets.nosuchsecret}")));
    assertEquals(400, reply.status(), reply.body());
    assertEquals("plan", reply.json().get("field").asText());
    assertTrue(reply.json().get("message").asText().contains("nosuchsecret"), reply.body());
  }

  @Test
  void aSecretCannotBePartOfACommandOrOfAnotherValue() throws Exception {
    for (String yaml :
        List.of(
            "command: echo ${secrets.npm}\n",
            "command: 'true'\n    env: {A: 'Bearer ${secrets.npm}'}\n")) {
      SlipwayClient.Reply reply =
          stack.api.post(
              "api/v1/plans",
              Map.of(
                  "name",
                  "bad-" + UUID.randomUUID().toString().substring(0, 8),
                  "yaml",
                  "steps:\n  - {name: h, kind: lease-host}\n  - name: r\n    kind: run\n    on: h\n    "
                      + yaml));
      assertEquals(400, reply.status(), reply.body());
      assertTrue(reply.json().get("message").asText().contains("whole value"), reply.body());
    }
  }
}
