package dev.slipway.coordinator.resource;

import static dev.slipway.coordinator.auth.AuthTestResource.as;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.slipway.common.status.ResourceStatus;
import dev.slipway.coordinator.TestSql;
import dev.slipway.coordinator.auth.AuthTestResource;
import dev.slipway.platform.resource.ResourceRepository;
import dev.slipway.platform.resource.Resources;
import dev.slipway.stack.RealServices;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A resource's history and log through the API, against a real PostgreSQL: its moves with their
 * reasons in order, and its log page by page; its provider id shown, its token and what its
 * provision script printed never.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@QuarkusTestResource(AuthTestResource.class)
class ResourceHistoryIT {

  private static String viewer;

  @Inject ResourceRepository resources;
  @Inject Resources lifecycle;
  @Inject EntityManager entityManager;

  @BeforeEach
  void viewerToken() { // once: the app is up only from the first test on
    if (viewer != null) {
      return;
    }
    viewer = AuthTestResource.newToken("viewer");
  }

  @Test
  void theHistoryListsEveryMoveOldestFirstWithItsReason() {
    String id = register();
    QuarkusTransaction.requiringNew()
        .run(
            () ->
                lifecycle.move(
                    resources.findById(id), ResourceStatus.BROKEN, "presented another host key"));
    as(AuthTestResource.ADMIN_TOKEN).delete("/api/v1/hosts/" + id).then().statusCode(202);

    JsonPath history =
        as(viewer)
            .get("/api/v1/resources/" + id + "/history")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();

    assertEquals(List.of("active", "broken", "released", "destroyed"), history.getList("status"));
    assertEquals("presented another host key", history.getString("[1].reason"));
    assertEquals(
        "removed by an operator; it was broken: presented another host key",
        history.getString("[2].reason"));
    assertEquals("removed by an operator; it was idle", history.getString("[3].reason"));
    Instant first = Instant.parse(history.getString("[0].at"));
    Instant last = Instant.parse(history.getString("[3].at"));
    assertFalse(last.isBefore(first));
    as(viewer)
        .get("/api/v1/resources/no-such-resource/history")
        .then()
        .statusCode(404)
        .body("message", containsString("no-such-resource"));
  }

  @Test
  void theLogIsReadPageByPageAfterACursor() {
    String id = register();
    String other = register();
    log(other, "stderr", "another host's line");
    for (int i = 1; i <= 3; i++) {
      log(id, "provision", "line " + i);
    }

    JsonPath first =
        as(viewer)
            .get("/api/v1/resources/" + id + "/log?limit=2")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();
    assertEquals(List.of("line 1", "line 2"), first.getList("lines.line"));
    assertEquals(List.of("provision", "provision"), first.getList("lines.source"));
    assertNotNull(first.getString("lines[0].at"));
    long next = first.getLong("next");
    assertEquals(first.getLong("lines[1].id"), next);

    JsonPath rest =
        as(viewer)
            .get("/api/v1/resources/" + id + "/log?after=" + next)
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();
    assertEquals(List.of("line 3"), rest.getList("lines.line"));
    long end = rest.getLong("next");
    as(viewer)
        .get("/api/v1/resources/" + id + "/log?after=" + end)
        .then()
        .statusCode(200)
        .body("lines.size()", equalTo(0))
        .body("next", equalTo((int) end));

    as(viewer)
        .get("/api/v1/resources/" + id + "/log?limit=0")
        .then()
        .statusCode(400)
        .body("field", equalTo("limit"));
    as(viewer)
        .get("/api/v1/resources/" + id + "/log?after=soon")
        .then()
        .statusCode(400)
        .body("field", equalTo("after"));
    as(viewer).get("/api/v1/resources/no-such-resource/log").then().statusCode(404);
  }

  @Test
  void theViewShowsTheProviderIdButNeverTheTokenOrWhatProvisionPrinted() {
    String id = register();
    sql(
        "update resources set provider_id = 'i-0abc', token = 'tok-secret-1',"
            + " provision_output = cast('{\"password\": \"hunter2\"}' as jsonb) where id = ?1",
        id);

    String body =
        as(viewer).get("/api/v1/resources?type=host").then().statusCode(200).extract().asString();
    JsonPath listed = JsonPath.from(body);
    assertEquals("i-0abc", listed.getString("find { it.id == '" + id + "' }.providerId"));
    assertFalse(body.contains("tok-secret-1"), body);
    assertFalse(body.contains("hunter2"), body);
  }

  private void log(String resourceId, String source, String line) {
    sql(
        "insert into resource_log (resource_id, source, line) values (?1, ?2, ?3)",
        resourceId,
        source,
        line);
  }

  private void sql(String statement, Object... parameters) {
    TestSql.update(entityManager, statement, parameters);
  }

  private static String register() {
    return AuthTestResource.addHost("history-" + suffix(), Map.of());
  }

  private static String suffix() {
    return UUID.randomUUID().toString().substring(0, 8);
  }
}
