package dev.slipway.coordinator.build;

import static dev.slipway.coordinator.auth.AuthTestResource.admin;
import static org.hamcrest.Matchers.equalTo;

import dev.slipway.coordinator.auth.AuthTestResource;
import dev.slipway.stack.RealServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * The parameters of {@code GET /api/v1/builds/{id}/log}: a value that is not one is 400 naming it,
 * not taken as its default.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@QuarkusTestResource(AuthTestResource.class)
class BuildLogParamsIT {

  @Test
  void followThatIsNotTrueOrFalseIsRefusedNamingIt() {
    for (String follow : new String[] {"yes", "1", "abc"}) {
      admin()
          .queryParam("follow", follow)
          .get("/api/v1/builds/missing/log")
          .then()
          .statusCode(400)
          .body("error", equalTo("invalid-request"))
          .body("field", equalTo("follow"));
    }
    admin().queryParam("follow", "false").get("/api/v1/builds/missing/log").then().statusCode(404);
  }
}
