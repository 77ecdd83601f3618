package dev.slipway.coordinator.api;

import static dev.slipway.coordinator.auth.AuthTestResource.admin;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.slipway.coordinator.auth.AuthTestResource;
import dev.slipway.stack.RealServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

/**
 * A request body the API cannot read (bad JSON, a value of the wrong type or out of range, a field
 * it does not know, a NUL character) is refused with 400, {@code invalid-json} and the field, never
 * an empty body or a 500.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@QuarkusTestResource(AuthTestResource.class)
class RequestBodiesIT {

  private static Response send(String method, String path, String json) {
    return admin().body(json).request(method, path);
  }

  private static void assertRefused(String method, String path, String json, String field) {
    Response response = send(method, path, json);
    String what = method + " " + path + " " + json + ": " + response.asString();
    assertEquals(400, response.statusCode(), what);
    assertEquals("invalid-json", response.jsonPath().getString("error"), what);
    assertEquals(field, response.jsonPath().getString("field"), what);
    assertEquals(false, response.jsonPath().getString("message").isBlank(), what);
  }

  @Test
  void aValueOfTheWrongTypeIsRefusedNamingTheField() {
    assertRefused("POST", "/api/v1/builds", "{\"plan\":{\"a\":1}}", "plan");
    assertRefused("POST", "/api/v1/tokens", "{\"name\":\"a\",\"role\":[\"viewer\"]}", "role");
    assertRefused("PATCH", "/api/v1/blueprints/x", "{\"enabled\":\"yes\"}", "enabled");
    assertRefused(
        "POST", "/api/v1/builds", "{\"plan\":\"p\",\"variables\":{\"a\":[1]}}", "variables.a");
  }

  @Test
  void aNumberOutOfRangeIsRefusedNamingTheField() {
    assertRefused("PATCH", "/api/v1/hosts/x", "{\"slots\":2147483648}", "slots");
  }

  @Test
  void brokenJsonIsRefusedAsInvalidJson() {
    for (String json : new String[] {"{\"plan\":", "{\"plan\" \"p\"}", "[1,", "{'plan':'p'}"}) {
      Response response = send("POST", "/api/v1/builds", json);
      assertEquals(400, response.statusCode(), json + ": " + response.asString());
      assertEquals("invalid-json", response.jsonPath().getString("error"), json);
      response.then().body("message", not(equalTo("HTTP 400 Bad Request")));
    }
  }

  @Test
  void aNulCharacterAnywhereInABodyIsRefusedNamingTheField() {
    assertRefused(
        "POST", "/api/v1/plans", "{\"name\":\"a\\u0000b\",\"yaml\":\"steps: []\"}", "name");
    assertRefused(
        "POST",
        "/api/v1/builds",
        "{\"plan\":\"p\",\"variables\":{\"k\":\"v\\u0000\"}}",
        "variables.k");
    assertRefused(
        "PATCH", "/api/v1/hosts/x", "{\"attributes\":{\"pool\":\"\\u0000\"}}", "attributes.pool");
    assertRefused(
        "PATCH", "/api/v1/blueprints/x", "{\"config\":{\"a\":[\"\\u0000\"]}}", "config.a");
    assertRefused(
        "POST",
        "/api/v1/builds",
        "{\"plan\":\"p\",\"variables\":{\"k\\u0000\":\"v\"}}",
        "variables");
    send("POST", "/api/v1/tokens", "{\"name\":\"nul\",\"role\":\"viewer\\u0000\"}")
        .then()
        .statusCode(400)
        .body("field", equalTo("role"))
        .body("message", containsString("NUL"));
  }

  @Test
  void aFieldTheEndpointDoesNotKnowIsRefusedNamingIt() {
    assertRefused("POST", "/api/v1/builds", "{\"plan\":\"p\",\"bogus\":1}", "bogus");
    assertRefused(
        "POST", "/api/v1/tokens", "{\"name\":\"a\",\"role\":\"viewer\",\"id\":\"x\"}", "id");
    assertRefused("PATCH", "/api/v1/hosts/x", "{\"slots\":2,\"bogus\":1}", "bogus");
    assertRefused(
        "POST",
        "/api/v1/lease-groups",
        "{\"members\":[{\"attributes\":{},\"pin\":\"r\"}]}",
        "members[0].pin");
    send("POST", "/api/v1/builds", "{\"plan\":\"p\",\"bogus\":1}")
        .then()
        .body("message", containsString("unknown field 'bogus'"))
        .body("message", containsString("planVersion"));
  }
}
