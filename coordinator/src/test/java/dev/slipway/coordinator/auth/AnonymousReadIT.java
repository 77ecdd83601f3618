package dev.slipway.coordinator.auth;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.slipway.stack.RealServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code slipway.auth.anonymous-read=true}: callers without a token read what a viewer reads. */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@QuarkusTestResource(AuthTestResource.class)
@TestProfile(AnonymousReadIT.AnonymousRead.class)
class AnonymousReadIT {

  public static class AnonymousRead implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("slipway.auth.anonymous-read", "true");
    }
  }

  @Test
  void anonymousCallersReadWhatAViewerReadsAndNothingMore() {
    for (Endpoints.Endpoint endpoint : Endpoints.all()) {
      Response response =
          given()
              .contentType(ContentType.JSON)
              .body("{}")
              .request(endpoint.method(), endpoint.path());
      String what = endpoint + " anonymously: " + response.asString();
      if (Roles.VIEWER.equals(endpoint.role())) {
        assertEquals(false, response.statusCode() == 401 || response.statusCode() == 403, what);
      } else {
        assertEquals(401, response.statusCode(), what);
        assertEquals("Bearer", response.header("WWW-Authenticate"), what);
      }
    }
  }

  @Test
  void metricsStayClosedToAnonymousCallers() {
    given().get("/q/metrics").then().statusCode(401).header("WWW-Authenticate", "Bearer");
    given()
        .header("Authorization", "Bearer " + AuthTestResource.ADMIN_TOKEN)
        .get("/q/metrics")
        .then()
        .statusCode(200);
  }

  @Test
  void anUnservedPathIsStill401ForAnonymousCallers() {
    for (String method : new String[] {"GET", "POST", "PUT", "DELETE"}) {
      given()
          .contentType(ContentType.JSON)
          .body("{}")
          .request(method, "/api/v1/nope")
          .then()
          .statusCode(401)
          .header("WWW-Authenticate", "Bearer");
    }
    given().put("/api/v1/builds").then().statusCode(401);
  }

  @Test
  void aBadTokenIsStillRefused() {
    given()
        .header("Authorization", "Bearer " + ApiTokens.newSecret())
        .get("/api/v1/hosts")
        .then()
        .statusCode(401);
  }
}
