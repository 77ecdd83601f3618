package dev.slipway.coordinator.build;

import static dev.slipway.coordinator.auth.AuthTestResource.admin;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.slipway.coordinator.auth.AuthTestResource;
import dev.slipway.stack.RealServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A build gives every value its plan uses, or is refused naming the missing field. */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@QuarkusTestResource(AuthTestResource.class)
class BuildVariablesIT {

  String plan;

  @BeforeEach
  void savePlan() {
    plan = "vars-" + UUID.randomUUID().toString().substring(0, 8);
    admin()
        .body(
            Map.of(
                "name",
                plan,
                "yaml",
                "steps:\n  - {name: h, kind: lease-host, attributes: {pool: none-"
                    + plan
                    + "}}\n"
                    + "  - {name: r, kind: run, on: h, command: 'echo ${commit} ${vars.who}',"
                    + " env: {N: '${build.number}'}}\n"))
        .post("/api/v1/plans")
        .then()
        .statusCode(201);
  }

  private io.restassured.response.ValidatableResponse submit(
      String commit, Map<String, String> variables) {
    Map<String, Object> body = new HashMap<>();
    body.put("plan", plan);
    if (commit != null) {
      body.put("commit", commit);
    }
    body.put("variables", variables);
    return admin().body(body).post("/api/v1/builds").then();
  }

  @Test
  void aVariableThePlanUsesMustBeGiven() {
    submit("abc123", Map.of())
        .statusCode(400)
        .body("field", equalTo("variables.who"))
        .body("message", containsString("${vars.who}"));
    submit(null, Map.of("who", "me")).statusCode(400).body("field", equalTo("commit"));
  }

  @Test
  void malformedVariablesAreRefused() {
    submit("abc123", Map.of("who", "me", "bad name", "x"))
        .statusCode(400)
        .body("field", equalTo("variables.bad name"));
    submit("abc123", Map.of("who", "nul\0byte"))
        .statusCode(400)
        .body("field", equalTo("variables.who"));
  }

  @Test
  void aRestartRepeatsThePlanVersionAndInputsOfTheBuild() {
    String first = submit("abc123", Map.of("who", "me")).statusCode(202).extract().path("id");
    admin()
        .body(Map.of("reason", "test"))
        .post("/api/v1/builds/" + first + "/abort")
        .then()
        .statusCode(200);
    admin() // the plan changes after the build: the restart still runs the version it ran
        .body(
            Map.of(
                "name",
                plan,
                "yaml",
                "steps:\n  - {name: other, kind: lease-host, attributes: {pool: none}}\n"))
        .post("/api/v1/plans")
        .then()
        .statusCode(200);
    String again =
        admin()
            .post("/api/v1/builds/" + first + "/restart")
            .then()
            .statusCode(202)
            .extract()
            .path("id");
    admin()
        .get("/api/v1/builds/" + again)
        .then()
        .body("restartOf", equalTo(first))
        .body("commit", equalTo("abc123"))
        .body("plan", equalTo(plan))
        .body("steps.name", equalTo(java.util.List.of("h", "r")))
        .body("number", equalTo(2));
    admin().post("/api/v1/builds/build-nope/restart").then().statusCode(404);
  }

  @Test
  void buildsOfAPlanAreNumbered() {
    String first = submit("abc123", Map.of("who", "me")).statusCode(202).extract().path("id");
    String second = submit("abc123", Map.of("who", "you")).statusCode(202).extract().path("id");
    admin().get("/api/v1/builds/" + first).then().body("number", equalTo(1));
    admin().get("/api/v1/builds/" + second).then().body("number", equalTo(2));
  }
}
