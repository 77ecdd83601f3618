package dev.slipway.coordinator.build;

import static dev.slipway.coordinator.auth.AuthTestResource.as;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.coordinator.auth.AuthTestResource;
import dev.slipway.coordinator.auth.Roles;
import dev.slipway.stack.RealServices;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /api/v1/builds} and {@code GET /api/v1/plans} against a real PostgreSQL and Kafka.
 * Builds of plans of this test's own, whose host lease can never be served, so they stay put until
 * the test aborts them.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@QuarkusTestResource(AuthTestResource.class)
class BuildListingIT {

  @Inject AgroalDataSource database;

  private String operator;
  private String operatorName;
  private String planA;
  private String planB;
  private final List<String> started = new ArrayList<>();

  @BeforeEach
  void plansAndToken() {
    String tag = UUID.randomUUID().toString().substring(0, 8);
    operatorName = "lister-" + tag;
    operator =
        as(AuthTestResource.ADMIN_TOKEN)
            .body(Map.of("name", operatorName, "role", Roles.OPERATOR))
            .post("/api/v1/tokens")
            .then()
            .statusCode(201)
            .extract()
            .path("token");
    planA = "list-a-" + tag;
    planB = "list-b-" + tag;
    for (String plan : List.of(planA, planB)) {
      as(operator)
          .body(Map.of("name", plan, "yaml", AuthTestResource.unservablePlan(plan)))
          .post("/api/v1/plans")
          .then()
          .statusCode(201);
    }
  }

  @AfterEach
  void abortWhatWasStarted() {
    for (String id : started) {
      as(operator).body(Map.of("reason", "test over")).post("/api/v1/builds/" + id + "/abort");
    }
  }

  private String start(String plan, String branch) {
    Map<String, Object> body = new HashMap<>();
    body.put("plan", plan);
    if (branch != null) {
      body.put("branch", branch);
    }
    String id =
        as(operator).body(body).post("/api/v1/builds").then().statusCode(202).extract().path("id");
    started.add(id);
    return id;
  }

  private static JsonPath list(Map<String, ?> query) {
    return as(AuthTestResource.ADMIN_TOKEN)
        .queryParams(query)
        .get("/api/v1/builds")
        .then()
        .statusCode(200)
        .extract()
        .jsonPath();
  }

  private static List<String> ids(Map<String, ?> query) {
    return list(query).getList("builds.id");
  }

  /** Gives these builds one creation time, so that only their ids order them. */
  private void sameCreationTime(List<String> ids) throws Exception {
    try (Connection c = database.getConnection();
        PreparedStatement update =
            c.prepareStatement(
                "update builds set created_at = (select max(created_at) from builds where id ="
                    + " any(?)) where id = any(?)")) {
      update.setArray(1, c.createArrayOf("text", ids.toArray()));
      update.setArray(2, c.createArrayOf("text", ids.toArray()));
      assertEquals(ids.size(), update.executeUpdate());
    }
  }

  @Test
  void pagesOfAPlanAreNewestFirstAndTogetherHoldEveryBuildOnce() throws Exception {
    List<String> oldestFirst = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      oldestFirst.add(start(planA, null));
    }
    start(planB, null);
    // three builds created in the same microsecond: the cursor must still tell them apart
    sameCreationTime(oldestFirst.subList(2, 5));
    List<String> tied = new ArrayList<>(oldestFirst.subList(2, 5));
    tied.sort(Comparator.reverseOrder());
    List<String> expected =
        List.of(
            oldestFirst.get(6),
            oldestFirst.get(5),
            tied.get(0),
            tied.get(1),
            tied.get(2),
            oldestFirst.get(1),
            oldestFirst.get(0));

    List<String> seen = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    String cursor = null;
    do {
      Map<String, Object> query = new HashMap<>(Map.of("plan", planA, "limit", 3));
      if (cursor != null) {
        query.put("cursor", cursor);
      }
      JsonPath page = list(query);
      List<String> ids = page.getList("builds.id");
      seen.addAll(ids);
      sizes.add(ids.size());
      cursor = page.getString("next");
    } while (cursor != null && sizes.size() < 10);

    assertEquals(expected, seen);
    assertEquals(List.of(3, 3, 1), sizes);
    assertEquals(seen.size(), new HashSet<>(seen).size(), "a build was listed twice");
  }

  @Test
  void aFullLastPageHasNoNextCursor() {
    String older = start(planA, null);
    String newer = start(planA, null);

    JsonPath page = list(Map.of("plan", planA, "limit", 2));

    assertEquals(List.of(newer, older), page.getList("builds.id"));
    assertNull(page.getString("next"), page.prettify());
    JsonPath none = list(Map.of("plan", "no-such-plan-" + UUID.randomUUID()));
    assertEquals(List.of(), none.getList("builds"));
    assertNull(none.getString("next"));
  }

  @Test
  void filtersNarrowTheListAndItemsAreSummariesWithoutSteps() {
    String mainA = start(planA, "main");
    String featureA = start(planA, "feature/x");
    String mainB = start(planB, "main");
    String abortedA = start(planA, "main");
    as(operator)
        .body(Map.of("reason", "superseded"))
        .post("/api/v1/builds/" + abortedA + "/abort")
        .then()
        .statusCode(200);

    assertEquals(
        List.of(abortedA, mainB, featureA, mainA),
        ids(Map.of("requestedBy", "token:" + operatorName)));
    assertEquals(List.of(abortedA, featureA, mainA), ids(Map.of("plan", planA)));
    assertEquals(List.of(abortedA, mainA), ids(Map.of("plan", planA, "branch", "main")));
    assertEquals(List.of(abortedA), ids(Map.of("plan", planA, "status", "aborted")));
    assertEquals(
        List.of(mainB), ids(Map.of("requestedBy", "token:" + operatorName, "plan", planB)));
    assertEquals(List.of(), ids(Map.of("plan", planB, "status", "passed")));

    Map<String, Object> item = list(Map.of("plan", planA, "status", "aborted")).getMap("builds[0]");
    assertEquals(abortedA, item.get("id"));
    assertEquals(planA, item.get("plan"));
    assertEquals("aborted", item.get("status"));
    assertEquals("superseded", item.get("reason"));
    assertEquals("main", item.get("branch"));
    assertEquals("token:" + operatorName, item.get("requestedBy"));
    assertTrue(item.get("createdAt") != null && item.get("finishedAt") != null, item.toString());
    assertFalse(item.containsKey("steps"), item.toString());
  }

  @Test
  void aViewerMayListBuildsAndPlans() {
    String viewer =
        as(AuthTestResource.ADMIN_TOKEN)
            .body(Map.of("name", "viewer-" + UUID.randomUUID(), "role", Roles.VIEWER))
            .post("/api/v1/tokens")
            .then()
            .statusCode(201)
            .extract()
            .path("token");
    as(viewer).get("/api/v1/builds").then().statusCode(200);
    as(viewer).get("/api/v1/plans").then().statusCode(200);
    given().get("/api/v1/builds").then().statusCode(401);
  }

  @Test
  void badParametersAreRefusedNamingTheField() {
    String notOurs =
        Base64.getUrlEncoder().encodeToString("v2:1:x".getBytes(StandardCharsets.UTF_8));
    Map<String, Map<String, String>> refused =
        Map.of(
            "status", Map.of("status", "done"),
            "limit", Map.of("limit", "0"),
            "cursor", Map.of("cursor", "%%%not-base64"));
    refused.forEach((field, query) -> refusedNaming(field, query));
    refusedNaming("limit", Map.of("limit", "201"));
    refusedNaming("limit", Map.of("limit", "ten"));
    refusedNaming("cursor", Map.of("cursor", notOurs));
    refusedNaming(
        "cursor",
        Map.of(
            "cursor",
            Base64.getUrlEncoder().encodeToString("v1:soon:x".getBytes(StandardCharsets.UTF_8))));
  }

  private static void refusedNaming(String field, Map<String, String> query) {
    as(AuthTestResource.ADMIN_TOKEN)
        .queryParams(query)
        .get("/api/v1/builds")
        .then()
        .statusCode(400)
        .body("error", equalTo("invalid-request"))
        .body("field", equalTo(field));
  }

  @Test
  void plansAreListedByNameWithTheirTimesButNotTheirYaml() {
    List<Map<String, Object>> plans =
        as(operator)
            .get("/api/v1/plans")
            .then()
            .statusCode(200)
            .body("find { it.name == '" + planA + "' }.yaml", nullValue())
            .extract()
            .jsonPath()
            .getList("");
    List<String> names = plans.stream().map(p -> (String) p.get("name")).toList();
    assertEquals(names.stream().sorted().toList(), names);
    assertTrue(names.contains(planA) && names.contains(planB), names.toString());
    Map<String, Object> plan = plans.get(names.indexOf(planA));
    assertEquals(
        List.of("createdAt", "name", "updatedAt"), plan.keySet().stream().sorted().toList());
    assertTrue(plan.get("createdAt") != null && plan.get("updatedAt") != null, plan.toString());
  }
}
