package dev.slipway.coordinator.build;

import static dev.slipway.coordinator.auth.AuthTestResource.admin;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.slipway.coordinator.auth.AuthTestResource;
import dev.slipway.stack.RealServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A wait step holds its build until a message passes or fails it, or its timeout fails it. */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@QuarkusTestResource(AuthTestResource.class)
class WaitStepIT {

  private static String build(String yaml) {
    return AuthTestResource.startBuild("wait", yaml);
  }

  private static String status(String build) {
    return admin().get("/api/v1/builds/" + build).then().extract().path("status");
  }

  private static RequestSpecification message(String result) {
    return admin().body(Map.of("result", result, "message", "rejected by the release manager"));
  }

  @Test
  void aMessagePassesTheWaitAndTheBuildGoesOn() {
    String build =
        build(
            "steps:\n  - {name: approve, kind: wait, timeout: 10m}\n"
                + "  - {name: later, kind: wait, timeout: 10m}\n");
    admin().get("/api/v1/builds/" + build).then().body("steps[0].status", equalTo("running"));
    admin().get("/api/v1/builds/" + build).then().body("steps[1].status", equalTo("pending"));
    message("pass").post("/api/v1/builds/" + build + "/steps/later/message").then().statusCode(409);
    message("pass")
        .post("/api/v1/builds/" + build + "/steps/approve/message")
        .then()
        .statusCode(200)
        .body("steps[0].status", equalTo("passed"))
        .body("steps[1].status", equalTo("running"));
    message("fail")
        .post("/api/v1/builds/" + build + "/steps/later/message")
        .then()
        .statusCode(200)
        .body("status", equalTo("failed"))
        .body("reason", containsString("rejected by the release manager"));
    message("pass").post("/api/v1/builds/" + build + "/steps/nope/message").then().statusCode(404);
    message("maybe")
        .post("/api/v1/builds/" + build + "/steps/later/message")
        .then()
        .statusCode(400)
        .body("field", equalTo("result"));
  }

  @Test
  void aBuildFailsWhenItRunsLongerThanItsPlanSays() {
    String build = build("timeout: 1s\nsteps:\n  - {name: approve, kind: wait, timeout: 10m}\n");
    await().atMost(Duration.ofSeconds(15)).until(() -> "failed".equals(status(build)));
    admin()
        .get("/api/v1/builds/" + build)
        .then()
        .body("reason", containsString("ran longer than its timeout (1 s)"))
        .body("steps[0].status", equalTo("aborted"));
  }

  @Test
  void withoutAMessageTheWaitFailsAtItsTimeout() {
    String build = build("steps:\n  - {name: approve, kind: wait, timeout: 1s}\n");
    await().atMost(Duration.ofSeconds(15)).until(() -> "failed".equals(status(build)));
    admin()
        .get("/api/v1/builds/" + build)
        .then()
        .body("steps[0].status", equalTo("failed"))
        .body("steps[0].reason", containsString("no message within 1 s"));
  }
}
