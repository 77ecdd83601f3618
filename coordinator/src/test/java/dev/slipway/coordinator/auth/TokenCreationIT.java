package dev.slipway.coordinator.auth;

import static dev.slipway.coordinator.auth.AuthTestResource.admin;
import static org.hamcrest.Matchers.equalTo;

import dev.slipway.stack.RealServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code POST /api/v1/tokens} refuses what it cannot make with 400 naming the field, never 500. */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@QuarkusTestResource(AuthTestResource.class)
class TokenCreationIT {

  @Test
  void aTokenWithoutARoleIsRefusedNamingRole() {
    admin()
        .body(Map.of("name", "no-role"))
        .post("/api/v1/tokens")
        .then()
        .statusCode(400)
        .body("error", equalTo("invalid-request"))
        .body("field", equalTo("role"));
  }
}
