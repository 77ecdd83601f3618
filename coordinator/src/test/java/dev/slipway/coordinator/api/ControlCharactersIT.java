package dev.slipway.coordinator.api;

import static dev.slipway.coordinator.auth.AuthTestResource.admin;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.coordinator.auth.AuthTestResource;
import dev.slipway.stack.RealServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A control character in a path or a query parameter (a NUL, which PostgreSQL refuses with a 500,
 * or an ESC) is refused with a 400 naming {@code path} or the parameter, by every endpoint alike.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@QuarkusTestResource(AuthTestResource.class)
class ControlCharactersIT {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "GET /api/v1/builds/%00",
        "GET /api/v1/builds/%00/log",
        "GET /api/v1/builds/%00/artifacts",
        "GET /api/v1/hosts/%00",
        "PATCH /api/v1/hosts/%00",
        "DELETE /api/v1/hosts/%00",
        "GET /api/v1/leases/%00",
        "GET /api/v1/lease-groups/%00",
        "GET /api/v1/plans/%00",
        "GET /api/v1/blueprints/%00",
        "GET /api/v1/resources/%00/history",
        "GET /api/v1/resources/%00/log",
        "DELETE /api/v1/tokens/%00",
        "DELETE /api/v1/repositories/%00",
        "DELETE /api/v1/secrets/%00",
        "DELETE /api/v1/credentials/%00",
        "GET /api/v1/hosts/x%1b%5b31mRED"
      })
  void aControlCharacterInThePathIsA400NamingThePath(String request) {
    String[] methodAndPath = request.split(" ");
    admin()
        .urlEncodingEnabled(false)
        .body("{}")
        .request(methodAndPath[0], methodAndPath[1])
        .then()
        .statusCode(400)
        .body("error", equalTo("invalid-request"))
        .body("field", equalTo("path"))
        .body("message", not(containsString("\u0000")))
        .body("message", not(containsString("\u001b")));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/api/v1/builds?plan=%00|plan",
        "/api/v1/builds?branch=%00|branch",
        "/api/v1/builds?requestedBy=a%1bb|requestedBy",
        "/api/v1/leases?owner=%00|owner",
        "/api/v1/audit?actor=%00|actor",
        "/api/v1/resources?attr=a:%00|attr"
      })
  void aControlCharacterInAQueryParameterIsA400NamingIt(String pathAndField) {
    String[] parts = pathAndField.split("\\|");
    admin()
        .urlEncodingEnabled(false)
        .get(parts[0])
        .then()
        .statusCode(400)
        .body("error", equalTo("invalid-request"))
        .body("field", equalTo(parts[1]))
        .body("message", containsString("\\x"));
  }

  @Test
  void withoutATokenItIsStillA401() {
    RestAssured.given().urlEncodingEnabled(false).get("/api/v1/builds/%00").then().statusCode(401);
    RestAssured.given()
        .urlEncodingEnabled(false)
        .get("/api/v1/leases?owner=%00")
        .then()
        .statusCode(401);
  }

  @Test
  void aRefusedWriteIsAuditedWithItsPathEscaped() {
    String id = "x" + UUID.randomUUID() + "%1b%5b2J%00";
    admin().urlEncodingEnabled(false).delete("/api/v1/hosts/" + id).then().statusCode(400);
    String expected = "DELETE /api/v1/hosts/" + id.replace("%1b%5b2J%00", "\\x1b[2J\\x00");
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              List<Map<String, Object>> entries =
                  admin()
                      .get("/api/v1/audit?limit=1000")
                      .then()
                      .statusCode(200)
                      .extract()
                      .jsonPath()
                      .getList("");
              assertTrue(
                  entries.stream().anyMatch(e -> expected.equals(e.get("action"))),
                  entries.toString());
            });
  }
}
