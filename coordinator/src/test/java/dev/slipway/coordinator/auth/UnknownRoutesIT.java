package dev.slipway.coordinator.auth;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.slipway.stack.RealServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A path under {@code /api/v1} that no endpoint serves, or a method an endpoint does not take: 401
 * without a valid token (routes cannot be enumerated), the API's JSON 404 or 405 with one, and a
 * refused write with a valid token is audited.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@QuarkusTestResource(AuthTestResource.class)
class UnknownRoutesIT {

  /** Method and path of requests no endpoint serves, and the status a valid token gets. */
  private static final List<String[]> UNSERVED =
      List.of(
          new String[] {"PUT", "/api/v1/builds", "405"},
          new String[] {"PATCH", "/api/v1/tokens", "405"},
          new String[] {"POST", "/api/v1/nope", "404"},
          new String[] {"DELETE", "/api/v1/tokens/", "405"},
          new String[] {"GET", "/api/v1/nope", "404"},
          new String[] {"GET", "/api/v1/builds/x/nope/deeper", "404"});

  private static RequestSpecification request(String token) {
    RequestSpecification request = given().contentType(ContentType.JSON).body("{}");
    return token == null ? request : request.header("Authorization", "Bearer " + token);
  }

  @Test
  void withoutAValidTokenAnUnservedPathIs401() {
    for (String token : new String[] {null, ApiTokens.newSecret(), "not-a-jwt"}) {
      for (String[] call : UNSERVED) {
        Response response = request(token).request(call[0], call[1]);
        String what = call[0] + " " + call[1] + " with " + token + ": " + response.asString();
        assertEquals(401, response.statusCode(), what);
        assertEquals("Bearer", response.header("WWW-Authenticate"), what);
        assertEquals("unauthorized", response.jsonPath().getString("error"), what);
      }
    }
  }

  @Test
  void withAValidTokenAnUnservedPathIsAJson404Or405() {
    String viewer = AuthTestResource.newToken(Roles.VIEWER);
    for (String token : new String[] {AuthTestResource.ADMIN_TOKEN, viewer}) {
      for (String[] call : UNSERVED) {
        Response response = request(token).request(call[0], call[1]);
        String what = call[0] + " " + call[1] + ": " + response.asString();
        assertEquals(Integer.parseInt(call[2]), response.statusCode(), what);
        assertEquals("http-" + call[2], response.jsonPath().getString("error"), what);
        assertFalse(response.jsonPath().getString("message").isBlank(), what);
      }
    }
  }

  @Test
  void aRefusedWriteWithAValidTokenIsAudited() {
    String name = "unserved-" + UUID.randomUUID().toString().substring(0, 8);
    String admin =
        AuthTestResource.admin()
            .body(Map.of("name", name, "role", Roles.ADMIN))
            .post("/api/v1/tokens")
            .then()
            .statusCode(201)
            .extract()
            .path("token");
    request(admin).put("/api/v1/builds").then().statusCode(405);
    request(admin).post("/api/v1/nope").then().statusCode(404);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertEquals(
                    List.of("POST /api/v1/nope 404", "PUT /api/v1/builds 405"),
                    AuthTestResource.admin()
                        .queryParam("actor", "token:" + name)
                        .get("/api/v1/audit")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .<Map<String, Object>>getList("")
                        .stream()
                        .map(e -> e.get("action") + " " + e.get("outcome"))
                        .toList()));
  }

  @Test
  void healthStaysOpen() {
    given().get("/q/health").then().statusCode(200).body("status", equalTo("UP"));
  }
}
