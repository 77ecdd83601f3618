package dev.slipway.coordinator.auth;

import static dev.slipway.coordinator.auth.AuthTestResource.admin;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.slipway.stack.RealServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.time.Instant;
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

  @Test
  void anExpiryTooFarAheadIsRefusedNamingExpiresAt() {
    for (String expiresAt :
        new String[] {
          "+999999999-12-31T23:59:59Z", Instant.now().plus(Duration.ofDays(366 * 101)).toString()
        }) {
      admin()
          .body(Map.of("name", "far", "role", Roles.VIEWER, "expiresAt", expiresAt))
          .post("/api/v1/tokens")
          .then()
          .statusCode(400)
          .body("field", equalTo("expiresAt"))
          .body("message", containsString("100 years"));
    }
    admin()
        .body(
            Map.of(
                "name",
                "near",
                "role",
                Roles.VIEWER,
                "expiresAt",
                Instant.now().plus(Duration.ofDays(365 * 99)).toString()))
        .post("/api/v1/tokens")
        .then()
        .statusCode(201);
  }
}
