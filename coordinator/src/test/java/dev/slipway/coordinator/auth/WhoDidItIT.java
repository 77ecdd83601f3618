package dev.slipway.coordinator.auth;

import static dev.slipway.coordinator.auth.AuthTestResource.as;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.common.events.Topics;
import dev.slipway.stack.RealServices;
import dev.slipway.stack.TopicReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** Builds, hosts and the audit log name who acted, against a real PostgreSQL and Kafka. */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@QuarkusTestResource(AuthTestResource.class)
class WhoDidItIT {

  @ConfigProperty(name = "kafka.bootstrap.servers")
  String bootstrap;

  private static String newToken(String name, String role) {
    return as(AuthTestResource.ADMIN_TOKEN)
        .body(Map.of("name", name, "role", role))
        .post("/api/v1/tokens")
        .then()
        .statusCode(201)
        .extract()
        .path("token");
  }

  private static List<Map<String, Object>> audit(String actor) {
    return as(AuthTestResource.ADMIN_TOKEN)
        .queryParam("actor", actor)
        .get("/api/v1/audit")
        .then()
        .statusCode(200)
        .extract()
        .jsonPath()
        .getList("");
  }

  @Test
  void aHostAddIsAuditedAndNamesWhoAddedIt() {
    String name = "audited-" + UUID.randomUUID().toString().substring(0, 8);
    String admin = newToken(name, Roles.ADMIN);
    String id =
        as(admin)
            .body(
                Map.of(
                    "name", name,
                    "address", "127.0.0.1",
                    "user", "ci",
                    "platform", "linux",
                    "privateKey",
                        "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----"))
            .post("/api/v1/hosts")
            .then()
            .statusCode(201)
            .body("createdBy", equalTo("token:" + name))
            .extract()
            .path("id");
    as(admin).body(Map.of("slots", 2)).patch("/api/v1/hosts/" + id).then().statusCode(200);
    as(admin).get("/api/v1/hosts/" + id).then().body("updatedBy", equalTo("token:" + name));

    List<Map<String, Object>> entries = audit("token:" + name);
    assertEquals(2, entries.size(), entries.toString());
    assertEquals("PATCH /api/v1/hosts/" + id, entries.get(0).get("action"));
    assertEquals("POST /api/v1/hosts", entries.get(1).get("action"));
    assertEquals("/api/v1/hosts/" + id, entries.get(1).get("target"));
    assertEquals(201, entries.get(1).get("outcome"));
    assertTrue(entries.toString().indexOf("PRIVATE KEY") < 0, "a body was recorded");

    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                TopicReader.readAll(bootstrap, Topics.AUDIT).stream()
                    .map(r -> JsonPath.from(r.value()))
                    .anyMatch(
                        e ->
                            e.getString("type").equals("audit.recorded")
                                && ("token:" + name).equals(e.getString("data.actor"))
                                && "POST /api/v1/hosts".equals(e.getString("data.action"))
                                && e.getInt("data.outcome") == 201));
  }

  @Test
  void aBuildNamesWhoRequestedItAndItsAbortIsAudited() {
    String name = "operator-" + UUID.randomUUID().toString().substring(0, 8);
    String operator = newToken(name, Roles.OPERATOR);
    String plan = "p-" + UUID.randomUUID().toString().substring(0, 8);
    as(operator)
        .body(Map.of("name", plan, "yaml", AuthTestResource.unservablePlan(plan)))
        .post("/api/v1/plans")
        .then()
        .statusCode(201);
    String build =
        as(operator)
            .body(Map.of("plan", plan))
            .post("/api/v1/builds")
            .then()
            .statusCode(202)
            .extract()
            .path("id");
    as(operator)
        .get("/api/v1/builds/" + build)
        .then()
        .body("requestedBy", equalTo("token:" + name));
    as(operator)
        .body(Map.of("reason", "test"))
        .post("/api/v1/builds/" + build + "/abort")
        .then()
        .statusCode(200);
    // refused actions are audited too
    as(operator).body("{}").post("/api/v1/hosts").then().statusCode(403);

    List<Map<String, Object>> entries = audit("token:" + name);
    assertEquals(
        List.of(
            "POST /api/v1/hosts 403",
            "POST /api/v1/builds/" + build + "/abort 200",
            "POST /api/v1/builds 202",
            "POST /api/v1/plans 201"),
        entries.stream().map(e -> e.get("action") + " " + e.get("outcome")).toList());
  }

  @Test
  void anAuditLimitThatIsNoNumberIsRefusedNamingLimit() {
    for (String limit : new String[] {"abc", "99999999999", "0", "1001", "1.5"}) {
      as(AuthTestResource.ADMIN_TOKEN)
          .queryParam("limit", limit)
          .get("/api/v1/audit")
          .then()
          .statusCode(400)
          .body("error", equalTo("invalid-request"))
          .body("field", equalTo("limit"));
    }
    as(AuthTestResource.ADMIN_TOKEN)
        .queryParam("limit", "1000")
        .get("/api/v1/audit")
        .then()
        .statusCode(200);
  }
}
