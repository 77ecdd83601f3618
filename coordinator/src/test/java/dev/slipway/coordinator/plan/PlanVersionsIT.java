package dev.slipway.coordinator.plan;

import static dev.slipway.coordinator.auth.AuthTestResource.as;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.coordinator.auth.AuthTestResource;
import dev.slipway.coordinator.auth.Roles;
import dev.slipway.stack.Database;
import dev.slipway.stack.RealServices;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Plan versions against a real PostgreSQL and Kafka: {@code POST /api/v1/plans} makes a version
 * only when the YAML changes, builds record the version they ran and restarts rerun it. The plans'
 * host leases can never be served, so their builds stay put until the test aborts them.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@QuarkusTestResource(AuthTestResource.class)
class PlanVersionsIT {

  @Inject AgroalDataSource database;

  private String operator;
  private String operatorName;
  private String plan;
  private final List<String> started = new ArrayList<>();

  @BeforeEach
  void tokenAndName() {
    String tag = UUID.randomUUID().toString().substring(0, 8);
    operatorName = "versioner-" + tag;
    operator = token(operatorName, Roles.OPERATOR);
    plan = "versions-" + tag;
  }

  @AfterEach
  void abortWhatWasStarted() {
    for (String id : started) {
      as(operator).body(Map.of("reason", "test over")).post("/api/v1/builds/" + id + "/abort");
    }
  }

  private static String token(String name, String role) {
    return as(AuthTestResource.ADMIN_TOKEN)
        .body(Map.of("name", name, "role", role))
        .post("/api/v1/tokens")
        .then()
        .statusCode(201)
        .extract()
        .path("token");
  }

  /** Version 1 of the test's plan: steps h and r. */
  private String v1() {
    return AuthTestResource.unservablePlan(plan);
  }

  /** Another YAML for the test's plan: steps h, r and {@code extra}. */
  private String withStep(String extra) {
    return v1() + "  - {name: " + extra + ", kind: run, on: h, command: 'true'}\n";
  }

  private static Response save(String token, String name, String yaml) {
    return as(token).body(Map.of("name", name, "yaml", yaml)).post("/api/v1/plans");
  }

  private JsonPath saved(String token, String yaml, int status) {
    return save(token, plan, yaml).then().statusCode(status).extract().jsonPath();
  }

  private String start(Map<String, Object> body) {
    String id =
        as(operator).body(body).post("/api/v1/builds").then().statusCode(202).extract().path("id");
    started.add(id);
    return id;
  }

  private static JsonPath build(String id) {
    return as(AuthTestResource.ADMIN_TOKEN)
        .get("/api/v1/builds/" + id)
        .then()
        .statusCode(200)
        .extract()
        .jsonPath();
  }

  private String planYamlOf(String buildId) throws Exception {
    try (Connection c = database.getConnection();
        PreparedStatement select =
            c.prepareStatement("select plan_yaml from builds where id = ?")) {
      select.setString(1, buildId);
      try (ResultSet row = select.executeQuery()) {
        assertTrue(row.next(), buildId);
        return row.getString(1);
      }
    }
  }

  @Test
  void aVersionIsMadeOnlyWhenTheYamlChanges() {
    JsonPath created = saved(operator, v1(), 201);
    assertEquals(1, created.getInt("version"));
    assertTrue(created.getBoolean("changed"));
    assertEquals(List.of("h", "r"), created.getList("steps.name"));

    JsonPath again = saved(operator, v1(), 200);
    assertEquals(1, again.getInt("version"));
    assertFalse(again.getBoolean("changed"));
    assertEquals(v1(), again.getString("yaml"));

    JsonPath changed = saved(operator, withStep("x"), 200);
    assertEquals(2, changed.getInt("version"));
    assertTrue(changed.getBoolean("changed"));
    assertEquals(List.of("h", "r", "x"), changed.getList("steps.name"));

    assertEquals(2, saved(operator, withStep("x"), 200).getInt("version"));
    // back to the first YAML: a change all the same, so version 3
    assertEquals(3, saved(operator, v1(), 200).getInt("version"));

    as(operator)
        .get("/api/v1/plans/" + plan)
        .then()
        .statusCode(200)
        .body("version", equalTo(3))
        .body("yaml", equalTo(v1()));
  }

  @Test
  void theSameYamlAgainLeavesThePlanAsItWas() throws Exception {
    saved(operator, v1(), 201);
    String before = updatedAt();
    saved(operator, v1(), 200);
    assertEquals(before, updatedAt());
    assertEquals(
        List.of(1),
        as(operator).get("/api/v1/plans/" + plan + "/versions").jsonPath().getList("version"));
  }

  private String updatedAt() {
    return as(operator)
        .get("/api/v1/plans")
        .then()
        .statusCode(200)
        .extract()
        .path("find { it.name == '" + plan + "' }.updatedAt");
  }

  @Test
  void versionsAreListedNewestFirstWithWhoSavedThem() {
    String otherName = "other-" + UUID.randomUUID().toString().substring(0, 8);
    String other = token(otherName, Roles.OPERATOR);
    String thirdName = "third-" + UUID.randomUUID().toString().substring(0, 8);
    String third = token(thirdName, Roles.ADMIN);
    saved(operator, v1(), 201);
    saved(other, withStep("x"), 200);
    saved(operator, withStep("x"), 200); // unchanged: no version, other stays its author
    saved(third, withStep("y"), 200);

    String viewer = token("viewer-" + UUID.randomUUID().toString().substring(0, 8), Roles.VIEWER);
    List<Map<String, Object>> versions =
        as(viewer)
            .get("/api/v1/plans/" + plan + "/versions")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getList("");

    assertEquals(List.of(3, 2, 1), versions.stream().map(v -> v.get("version")).toList());
    assertEquals(
        List.of("token:" + thirdName, "token:" + otherName, "token:" + operatorName),
        versions.stream().map(v -> v.get("createdBy")).toList());
    for (Map<String, Object> version : versions) {
      assertEquals(
          List.of("createdAt", "createdBy", "version"),
          version.keySet().stream().sorted().toList());
      assertNotNull(version.get("createdAt"), version.toString());
    }
  }

  @Test
  void aVersionIsFetchedWithItsYamlAndSteps() {
    saved(operator, v1(), 201);
    saved(operator, withStep("x"), 200);

    JsonPath first =
        as(operator)
            .get("/api/v1/plans/" + plan + "/versions/1")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath();
    assertEquals(plan, first.getString("name"));
    assertEquals(1, first.getInt("version"));
    assertFalse(first.getBoolean("current"));
    assertEquals(v1(), first.getString("yaml"));
    assertEquals(List.of("h", "r"), first.getList("steps.name"));
    assertEquals("token:" + operatorName, first.getString("createdBy"));
    assertNotNull(first.getString("createdAt"));

    JsonPath second =
        as(operator).get("/api/v1/plans/" + plan + "/versions/2").then().extract().jsonPath();
    assertTrue(second.getBoolean("current"));
    assertEquals(withStep("x"), second.getString("yaml"));
    assertEquals(List.of("h", "r", "x"), second.getList("steps.name"));
  }

  @Test
  void unknownVersionsAndPlansAreNotFound() {
    saved(operator, v1(), 201);
    as(operator)
        .get("/api/v1/plans/" + plan + "/versions/2")
        .then()
        .statusCode(404)
        .body("error", equalTo("not-found"))
        .body("field", equalTo("version"));
    for (String bad : List.of("0", "-1", "one", "1.5")) {
      as(operator)
          .get("/api/v1/plans/" + plan + "/versions/" + bad)
          .then()
          .statusCode(400)
          .body("field", equalTo("version"));
    }
    String nowhere = "no-such-plan-" + UUID.randomUUID();
    as(operator).get("/api/v1/plans/" + nowhere + "/versions").then().statusCode(404);
    as(operator).get("/api/v1/plans/" + nowhere + "/versions/1").then().statusCode(404);
  }

  @Test
  void aBuildRecordsTheVersionItRan() {
    saved(operator, v1(), 201);
    String first = start(Map.of("plan", plan));
    saved(operator, withStep("x"), 200);
    String second = start(Map.of("plan", plan));

    assertEquals(1, build(first).getInt("planVersion"));
    assertEquals(2, build(second).getInt("planVersion"));
    List<Map<String, Object>> listed =
        as(operator)
            .queryParam("plan", plan)
            .get("/api/v1/builds")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getList("builds");
    assertEquals(List.of(second, first), listed.stream().map(b -> b.get("id")).toList());
    assertEquals(List.of(2, 1), listed.stream().map(b -> b.get("planVersion")).toList());
  }

  @Test
  void aRestartAfterThePlanChangedRerunsTheOldVersion() throws Exception {
    saved(operator, v1(), 201);
    Map<String, Object> request = new HashMap<>();
    request.put("plan", plan);
    request.put("branch", "main");
    String original = start(request);
    saved(operator, withStep("x"), 200);

    String restarted =
        as(operator)
            .post("/api/v1/builds/" + original + "/restart")
            .then()
            .statusCode(202)
            .extract()
            .path("id");
    started.add(restarted);

    JsonPath rerun = build(restarted);
    assertEquals(1, rerun.getInt("planVersion"));
    assertEquals(original, rerun.getString("restartOf"));
    assertEquals("main", rerun.getString("branch"));
    assertEquals(List.of("h", "r"), rerun.getList("steps.name"));
    assertEquals(v1(), planYamlOf(restarted));
    assertEquals(planYamlOf(original), planYamlOf(restarted));

    // and a restart of the restart still runs version 1
    String again =
        as(operator)
            .post("/api/v1/builds/" + restarted + "/restart")
            .then()
            .statusCode(202)
            .extract()
            .path("id");
    started.add(again);
    assertEquals(1, build(again).getInt("planVersion"));
  }

  @Test
  void aBuildMayAskForAnOlderVersion() throws Exception {
    saved(operator, v1(), 201);
    saved(operator, withStep("x"), 200);

    String old = start(Map.of("plan", plan, "planVersion", 1));
    JsonPath view = build(old);
    assertEquals(1, view.getInt("planVersion"));
    assertEquals(List.of("h", "r"), view.getList("steps.name"));
    assertEquals(v1(), planYamlOf(old));

    String current = start(Map.of("plan", plan, "planVersion", 2));
    assertEquals(List.of("h", "r", "x"), build(current).getList("steps.name"));

    as(operator)
        .body(Map.of("plan", plan, "planVersion", 3))
        .post("/api/v1/builds")
        .then()
        .statusCode(404)
        .body("field", equalTo("planVersion"));
    as(operator)
        .body(Map.of("plan", plan, "planVersion", 0))
        .post("/api/v1/builds")
        .then()
        .statusCode(400)
        .body("field", equalTo("planVersion"));
  }

  @Test
  void concurrentSavesEachGetAVersionOfTheirOwn() throws Exception {
    saved(operator, v1(), 201);
    int saves = 8;
    ExecutorService pool = Executors.newFixedThreadPool(saves);
    try {
      List<Future<Integer>> answers = new ArrayList<>();
      for (int i = 0; i < saves; i++) {
        String yaml = withStep("s" + i);
        Callable<Integer> call =
            () -> save(operator, plan, yaml).then().statusCode(200).extract().path("version");
        answers.add(pool.submit(call));
      }
      List<Integer> versions = new ArrayList<>();
      for (Future<Integer> answer : answers) {
        versions.add(answer.get());
      }
      assertEquals(
          List.of(2, 3, 4, 5, 6, 7, 8, 9),
          versions.stream().sorted().toList(),
          versions.toString());
    } finally {
      pool.shutdownNow();
    }
    JsonPath current = as(operator).get("/api/v1/plans/" + plan).jsonPath();
    assertEquals(9, current.getInt("version"));
    assertEquals(
        current.getString("yaml"),
        as(operator).get("/api/v1/plans/" + plan + "/versions/9").jsonPath().getString("yaml"));
  }

  @Test
  void theMigrationMakesExistingPlansVersionOneAndTellsWhichBuildsRanIt() throws Exception {
    Database server = Database.shared();
    String url = server.createDatabase("plan_versions_migration");
    Flyway.configure()
        .dataSource(url, server.user(), server.password())
        .locations("classpath:db/migration")
        .target("20")
        .load()
        .migrate();
    try (Connection c = DriverManager.getConnection(url, server.user(), server.password());
        Statement sql = c.createStatement()) {
      sql.execute(
          "insert into plans (name, yaml, updated_at) values ('p', 'steps: [current]',"
              + " '2026-01-02T03:04:05Z')");
      sql.execute(
          "insert into builds (id, plan_name, plan_yaml, status) values"
              + " ('b-current', 'p', 'steps: [current]', 'passed'),"
              + " ('b-older', 'p', 'steps: [older]', 'passed')");

      Flyway.configure()
          .dataSource(url, server.user(), server.password())
          .locations("classpath:db/migration")
          .load()
          .migrate();

      try (ResultSet plans = sql.executeQuery("select version from plans where name = 'p'")) {
        assertTrue(plans.next());
        assertEquals(1, plans.getInt(1));
      }
      try (ResultSet versions =
          sql.executeQuery(
              "select version, yaml, created_by, created_at = '2026-01-02T03:04:05Z'"
                  + " from plan_versions where plan_name = 'p'")) {
        assertTrue(versions.next());
        assertEquals(1, versions.getInt(1));
        assertEquals("steps: [current]", versions.getString(2));
        assertNull(versions.getString(3));
        assertTrue(versions.getBoolean(4));
        assertFalse(versions.next());
      }
      Map<String, Integer> ran = new HashMap<>();
      try (ResultSet builds = sql.executeQuery("select id, plan_version from builds")) {
        while (builds.next()) {
          ran.put(builds.getString(1), (Integer) builds.getObject(2));
        }
      }
      Map<String, Integer> expected = new HashMap<>();
      expected.put("b-current", 1);
      expected.put("b-older", null);
      assertEquals(expected, ran);
    }
  }
}
