package dev.slipway.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.events.Topics;
import dev.slipway.local.SlipwayClient.Reply;
import dev.slipway.stack.TopicReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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
  void aRepositoryUrlCarryingATokenIsRefusedAndTheTokenReachesNoLogOrTopic() throws Exception {
    E2eStack stack = E2eStack.get();
    String token = "ghp_" + UUID.randomUUID().toString().replace("-", "");
    String plan = stack.plan(E2eStack.newPool(), "true");
    Reply reply =
        api.post(
            "api/v1/builds",
            Map.of(
                "plan",
                plan,
                "repository",
                "https://x-access-token:" + token + "@github.com/acme/private.git",
                "branch",
                "main"));
    assertEquals(400, reply.status(), reply.body());
    assertEquals("repository", reply.json().get("field").asText());
    assertFalse(reply.body().contains(token), reply.body());
    try (var logs = Files.list(stack.work.resolve("logs"))) {
      for (Path log : logs.toList()) {
        assertFalse(Files.readString(log).contains(token), log + " holds the token");
      }
    }
    for (String topic :
        List.of(Topics.BUILDS, Topics.LEASE_REQUESTS, Topics.LEASES, Topics.AUDIT)) {
      for (var record : TopicReader.readAll(stack.broker.bootstrapServers(), topic)) {
        assertFalse(record.value().contains(token), topic + ": " + record.value());
      }
    }
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
  void workingCopyLeaseAndRepositoryRequestsNameTheBadField() throws Exception {
    Map<String, Map<String, Object>> cases =
        Map.of(
            "repository", Map.of("type", "working-copy", "ref", "main"),
            "ref", Map.of("type", "working-copy", "repository", "/srv/x.git", "ref", "--output=x"),
            "hostLease",
                Map.of(
                    "type",
                    "working-copy",
                    "repository",
                    "/srv/x.git",
                    "ref",
                    "main",
                    "hostLease",
                    "lease-nope"));
    for (Map.Entry<String, Map<String, Object>> c : cases.entrySet()) {
      Reply reply = api.post("api/v1/leases", c.getValue());
      assertEquals(400, reply.status(), reply.body());
      assertEquals(c.getKey(), reply.json().get("field").asText(), reply.body());
    }
    Reply both =
        api.post(
            "api/v1/repositories",
            Map.of("uri", "git@x:y.git", "sshPrivateKey", "k", "httpsToken", "t"));
    assertEquals(400, both.status(), both.body());
    assertEquals("sshPrivateKey", both.json().get("field").asText());
    Reply token =
        api.post("api/v1/repositories", Map.of("uri", "-oProxyCommand=x", "httpsToken", "t"));
    assertEquals("uri", token.json().get("field").asText(), token.body());
  }

  @Test
  void registeredRepositoryNeverEchoesItsToken() throws Exception {
    String token = "ghp_" + java.util.UUID.randomUUID();
    String uri = "https://git.example.com/" + token.substring(4, 12) + ".git";
    Reply created = api.post("api/v1/repositories", Map.of("uri", uri, "httpsToken", token));
    assertEquals(201, created.status(), created.body());
    assertEquals("https-token", created.json().get("credentialKind").asText());
    assertEquals("x-access-token", created.json().get("httpsUser").asText());
    Reply replaced = api.post("api/v1/repositories", Map.of("uri", uri, "httpsToken", token + "2"));
    assertEquals(200, replaced.status(), replaced.body());
    for (String body :
        java.util.List.of(created.body(), replaced.body(), api.get("api/v1/repositories").body())) {
      assertFalse(body.contains(token), body);
    }
    String id = created.json().get("id").asText();
    assertEquals(204, api.delete("api/v1/repositories/" + id).status());
    assertEquals(404, api.delete("api/v1/repositories/" + id).status());
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
