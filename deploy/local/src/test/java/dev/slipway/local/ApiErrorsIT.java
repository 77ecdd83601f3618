package dev.slipway.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.local.SlipwayClient.Reply;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bad requests get a 4xx with {error, message, field?} and change nothing. */
class ApiErrorsIT {

  static SlipwayClient api;

  @BeforeAll
  static void start() throws Exception {
    api = E2eStack.get().api;
  }

  @Test
  void unknownPlanIsNotFoundAndNamed() throws Exception {
    Reply reply = api.post("api/v1/builds", Map.of("plan", "no-such-plan"));
    assertEquals(404, reply.status());
    assertTrue(reply.json().get("message").asText().contains("no-such-plan"), reply.body());
    assertEquals(404, api.get("api/v1/plans/no-such-plan").status());
  }

  @Test
  void malformedYamlIsRefusedNamingTheLine() throws Exception {
    String yaml = "steps:\n  - name: a\n    kind: lease-host\n  attributes: [unclosed\n";
    Reply reply = api.post("api/v1/plans", Map.of("name", "broken", "yaml", yaml));
    assertEquals(400, reply.status(), reply.body());
    JsonNode error = reply.json();
    assertEquals("yaml", error.get("field").asText());
    assertTrue(error.get("message").asText().matches("(?s).*line \\d+.*"), reply.body());
    assertEquals(404, api.get("api/v1/plans/broken").status(), "nothing stored");
  }

  @Test
  void runStepOnSomethingThatIsNotALeaseStepIsRefused() throws Exception {
    String yaml =
        """
        steps:
          - name: buildhost
            kind: lease-host
          - name: hello
            kind: run
            on: nowhere
            command: echo hi
        """;
    Reply reply = api.post("api/v1/plans", Map.of("name", "dangling", "yaml", yaml));
    assertEquals(400, reply.status(), reply.body());
    assertEquals("steps[1].on", reply.json().get("field").asText());
    assertTrue(reply.json().get("message").asText().contains("nowhere"));
  }

  @Test
  void hostRegistrationNamesTheMissingField() throws Exception {
    Map<String, Object> host = new HashMap<>();
    host.put("name", "incomplete");
    host.put("user", "root");
    host.put("platform", "linux");
    host.put(
        "privateKey", "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----");
    Reply reply = api.post("api/v1/hosts", host);
    assertEquals(400, reply.status(), reply.body());
    assertEquals("address", reply.json().get("field").asText());
  }

  @Test
  void registeredHostNeverEchoesItsPrivateKey() throws Exception {
    String secret =
        "-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0\n-----END OPENSSH PRIVATE KEY-----";
    Map<String, Object> host = new HashMap<>();
    host.put("name", "echo-check");
    host.put("address", "127.0.0.1");
    host.put("port", 1);
    host.put("user", "nobody");
    host.put("privateKey", secret);
    host.put("platform", "linux");
    Reply created = api.post("api/v1/hosts", host);
    assertEquals(201, created.status(), created.body());
    String id = created.json().get("id").asText();
    assertFalse(created.body().contains("c2VjcmV0"));
    assertFalse(api.get("api/v1/hosts/" + id).body().contains("c2VjcmV0"));
    assertTrue(created.json().get("credentialId").asText().startsWith("cred-"));
    assertEquals(404, api.get("api/v1/hosts/no-such-host").status());
  }
}
