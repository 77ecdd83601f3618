package dev.slipway.coordinator.auth;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.oneOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.stack.RealServices;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Access control of the whole API, against a real PostgreSQL and Kafka: table-driven over every
 * endpoint the coordinator declares ({@link Endpoints}), so a new endpoint cannot slip through.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@QuarkusTestResource(AuthTestResource.class)
class AccessControlIT {

  @Inject EntityManager entityManager;

  private static RequestSpecification as(String token) {
    RequestSpecification request = given().contentType(ContentType.JSON).body("{}");
    return token == null ? request : request.header("Authorization", "Bearer " + token);
  }

  private static Response call(Endpoints.Endpoint endpoint, String token) {
    return as(token).request(endpoint.method(), endpoint.path());
  }

  /** A new token of {@code role}, made by the bootstrap admin; returns its secret. */
  private static String token(String role) {
    return AuthTestResource.newToken(role);
  }

  private static String idOf(String secret) {
    return as(AuthTestResource.ADMIN_TOKEN)
        .get("/api/v1/tokens")
        .then()
        .statusCode(200)
        .extract()
        .jsonPath()
        .<Map<String, Object>>getList("")
        .stream()
        .filter(t -> t.get("name").equals(whoami(secret)))
        .map(t -> (String) t.get("id"))
        .findFirst()
        .orElseThrow();
  }

  private static String whoami(String secret) {
    return as(secret).get("/api/v1/whoami").then().statusCode(200).extract().path("subject");
  }

  private static void assertUnauthorized(Response response, String what) {
    assertEquals(401, response.statusCode(), what + ": " + response.asString());
    assertEquals("Bearer", response.header("WWW-Authenticate"), what);
    assertEquals("unauthorized", response.jsonPath().getString("error"), what);
    assertFalse(response.jsonPath().getString("message").isBlank(), what);
  }

  @Test
  void everyEndpointRefusesCallersWithoutAValidToken() {
    String revoked = token(Roles.ADMIN);
    as(AuthTestResource.ADMIN_TOKEN)
        .delete("/api/v1/tokens/" + idOf(revoked))
        .then()
        .statusCode(204);
    String expired = token(Roles.ADMIN);
    String expiredId = idOf(expired);
    QuarkusTransaction.requiringNew()
        .run(
            () ->
                entityManager
                    .createNativeQuery(
                        "update api_tokens set expires_at = now() - interval '1 second' where id = ?1")
                    .setParameter(1, expiredId)
                    .executeUpdate());
    String forged = ApiTokens.newSecret();
    for (Endpoints.Endpoint endpoint : Endpoints.all()) {
      assertUnauthorized(call(endpoint, null), endpoint + " without a token");
      assertUnauthorized(call(endpoint, revoked), endpoint + " with a revoked token");
      assertUnauthorized(call(endpoint, expired), endpoint + " with an expired token");
      assertUnauthorized(call(endpoint, forged), endpoint + " with an unknown token");
      assertUnauthorized(call(endpoint, "not-a-token"), endpoint + " with garbage");
    }
  }

  @Test
  void everyEndpointRefusesRolesBelowItsOwnAndServesItsOwn() {
    Map<String, String> tokens =
        Map.of(
            Roles.VIEWER, token(Roles.VIEWER),
            Roles.OPERATOR, token(Roles.OPERATOR),
            Roles.ADMIN, AuthTestResource.ADMIN_TOKEN);
    for (Endpoints.Endpoint endpoint : Endpoints.all()) {
      int required = Roles.ALL.indexOf(endpoint.role());
      for (int rank = 0; rank < Roles.ALL.size(); rank++) {
        String role = Roles.ALL.get(rank);
        Response response = call(endpoint, tokens.get(role));
        String what = endpoint + " as " + role + ": " + response.asString();
        if (rank < required) {
          assertEquals(403, response.statusCode(), what);
          assertEquals("forbidden", response.jsonPath().getString("error"), what);
        } else {
          assertFalse(List.of(401, 403).contains(response.statusCode()), what);
        }
      }
    }
  }

  @Test
  void aTokenWorksUntilRevokedAndOnlyItsHashIsStored() {
    String secret = token(Roles.VIEWER);
    assertTrue(secret.matches("slw_[A-Za-z0-9_-]{43}"), secret);
    as(secret).get("/api/v1/hosts").then().statusCode(200);
    String id = idOf(secret);
    Object[] row =
        (Object[])
            QuarkusTransaction.requiringNew()
                .call(
                    () ->
                        entityManager
                            .createNativeQuery(
                                "select secret_hash, cast(t.* as text) from api_tokens t where id = ?1")
                            .setParameter(1, id)
                            .getSingleResult());
    assertEquals(ApiTokens.hash(secret), row[0]);
    assertFalse(((String) row[1]).contains(secret.substring(4)), "the secret is stored: " + row[1]);
    as(AuthTestResource.ADMIN_TOKEN)
        .get("/api/v1/tokens")
        .then()
        .statusCode(200)
        .body(not(org.hamcrest.Matchers.containsString(secret.substring(4))));
    as(AuthTestResource.ADMIN_TOKEN).delete("/api/v1/tokens/" + id).then().statusCode(204);
    assertUnauthorized(as(secret).get("/api/v1/hosts"), "revoked");
  }

  @Test
  void lastUseIsRecorded() {
    String secret = token(Roles.VIEWER);
    as(secret).get("/api/v1/hosts").then().statusCode(200);
    as(AuthTestResource.ADMIN_TOKEN)
        .get("/api/v1/tokens")
        .then()
        .statusCode(200)
        .body("find { it.id == '" + idOf(secret) + "' }.lastUsedAt", not(equalTo(null)));
  }

  @Test
  void aJwtSignedByTheTrustedKeyIsAcceptedWithItsRole() {
    String jwt =
        AuthTestResource.jwt(
            AuthTestResource.TRUSTED, AuthTestResource.ISSUER, "alice", "operator");
    as(jwt)
        .get("/api/v1/whoami")
        .then()
        .statusCode(200)
        .body("subject", equalTo("alice"))
        .body("role", equalTo("operator"))
        .body("via", equalTo("jwt"));
    as(jwt).get("/api/v1/hosts").then().statusCode(200);
    as(jwt).body("{}").post("/api/v1/plans").then().statusCode(400);
    as(jwt).post("/api/v1/hosts").then().statusCode(403);
  }

  @Test
  void aJwtSignedByAnotherKeyOrIssuerIsRefused() {
    assertUnauthorized(
        as(AuthTestResource.jwt(
                AuthTestResource.UNTRUSTED, AuthTestResource.ISSUER, "mallory", "admin"))
            .get("/api/v1/hosts"),
        "another key");
    assertUnauthorized(
        as(AuthTestResource.jwt(
                AuthTestResource.TRUSTED, "https://evil.example", "mallory", "admin"))
            .get("/api/v1/hosts"),
        "another issuer");
  }

  @Test
  void aJwtWithoutARoleOfTheApiMayDoNothing() {
    String jwt =
        AuthTestResource.jwt(AuthTestResource.TRUSTED, AuthTestResource.ISSUER, "bob", "superuser");
    as(jwt).get("/api/v1/hosts").then().statusCode(403);
  }

  @Test
  void healthStaysOpen() {
    given().get("/q/health/live").then().statusCode(200);
    given().get("/q/health/ready").then().statusCode(200);
  }

  @Test
  void metricsNeedATokenOfAnyRole() {
    String revoked = token(Roles.VIEWER);
    as(AuthTestResource.ADMIN_TOKEN)
        .delete("/api/v1/tokens/" + idOf(revoked))
        .then()
        .statusCode(204);
    for (String bad : new String[] {null, ApiTokens.newSecret(), revoked}) {
      RequestSpecification request = given();
      if (bad != null) {
        request.header("Authorization", "Bearer " + bad);
      }
      Response response = request.get("/q/metrics");
      assertEquals(401, response.statusCode(), "metrics with " + bad);
      assertEquals("Bearer", response.header("WWW-Authenticate"));
      assertFalse(response.asString().contains("slipway_"));
    }
    for (String role : Roles.ALL) {
      String text =
          given()
              .header("Authorization", "Bearer " + token(role))
              .get("/q/metrics")
              .then()
              .statusCode(200)
              .extract()
              .asString();
      assertTrue(text.contains("slipway_outbox_backlog"), role + ": " + text);
    }
  }

  @Test
  void tokenRequestsAreChecked() {
    as(AuthTestResource.ADMIN_TOKEN)
        .body(Map.of("name", "x", "role", "root"))
        .post("/api/v1/tokens")
        .then()
        .statusCode(400)
        .body("field", equalTo("role"));
    as(AuthTestResource.ADMIN_TOKEN)
        .body(
            Map.of(
                "name",
                "x",
                "role",
                "viewer",
                "expiresAt",
                Instant.now().minusSeconds(5).toString()))
        .post("/api/v1/tokens")
        .then()
        .statusCode(400)
        .body("field", equalTo("expiresAt"));
    as(AuthTestResource.ADMIN_TOKEN)
        .body(Map.of("name", "", "role", "viewer"))
        .post("/api/v1/tokens")
        .then()
        .statusCode(oneOf(400))
        .body("field", equalTo("name"));
  }
}
