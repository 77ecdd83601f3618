package dev.slipway.coordinator.lease;

import static dev.slipway.coordinator.auth.AuthTestResource.as;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

import dev.slipway.coordinator.auth.AuthTestResource;
import dev.slipway.stack.RealServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code /api/v1/lease-groups} against a real PostgreSQL and Kafka: a group is created with one
 * pending host lease per member, shown with its members, and refused with a 400 naming the field.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@QuarkusTestResource(AuthTestResource.class)
class LeaseGroupApiIT {

  private static Map<String, Object> member(String platform) {
    return Map.of("attributes", Map.of("platform", platform, "pool", "never-" + UUID.randomUUID()));
  }

  private static io.restassured.response.ValidatableResponse post(Object body) {
    return as(AuthTestResource.ADMIN_TOKEN).body(body).post("/api/v1/lease-groups").then();
  }

  @Test
  void aGroupIsCreatedWithOneHostLeasePerMemberInOrder() {
    String owner = "group-api-" + UUID.randomUUID();
    JsonPath created =
        post(Map.of("members", List.of(member("linux"), member("windows")), "owner", owner))
            .statusCode(202)
            .body("status", equalTo("pending"))
            .body("leases", hasSize(2))
            .extract()
            .jsonPath();
    String id = created.getString("id");
    List<String> leases = created.getList("leases");

    as(AuthTestResource.ADMIN_TOKEN)
        .get("/api/v1/lease-groups/" + id)
        .then()
        .statusCode(200)
        .body("id", equalTo(id))
        .body("owner", equalTo(owner))
        .body("leases", equalTo(leases))
        .body("members[0].id", equalTo(leases.get(0)))
        .body("members[0].type", equalTo("host"))
        .body("members[0].attributes.platform", equalTo("linux"))
        .body("members[1].attributes.platform", equalTo("windows"));
    as(AuthTestResource.ADMIN_TOKEN)
        .get("/api/v1/leases/" + leases.get(1))
        .then()
        .statusCode(200)
        .body("owner", equalTo(owner));
  }

  @Test
  void anUnknownGroupIs404() {
    as(AuthTestResource.ADMIN_TOKEN).get("/api/v1/lease-groups/group-nope").then().statusCode(404);
  }

  @Test
  void tooFewOrTooManyMembersAreRefusedNamingMembers() {
    post(Map.of("members", List.of(member("linux"))))
        .statusCode(400)
        .body("error", equalTo("invalid-request"))
        .body("field", equalTo("members"))
        .body("message", containsString("2 to 16"));
    post(Map.of()).statusCode(400).body("field", equalTo("members"));
    List<Object> seventeen = new ArrayList<>();
    for (int i = 0; i < 17; i++) {
      seventeen.add(member("linux"));
    }
    post(Map.of("members", seventeen)).statusCode(400).body("field", equalTo("members"));
  }

  @Test
  void aBadMemberIsRefusedNamingItsIndexAndField() {
    post(Map.of("members", List.of(member("linux"), Map.of("attributes", Map.of("bad key!", "x")))))
        .statusCode(400)
        .body("field", equalTo("members[1].attributes"))
        .body("message", containsString("bad key!"));
    post(Map.of(
            "members",
            List.of(
                Map.of("attributes", Map.of(), "pinnedResourceId", "host-missing"),
                member("linux"))))
        .statusCode(400)
        .body("field", equalTo("members[0].pinnedResourceId"))
        .body("message", containsString("host-missing"));
    Map<String, String> many = new HashMap<>();
    for (int i = 0; i <= dev.slipway.common.limits.Limits.ATTRIBUTES; i++) {
      many.put("a" + i, "v");
    }
    post(Map.of("members", List.of(member("linux"), Map.of("attributes", many))))
        .statusCode(400)
        .body("field", equalTo("members[1].attributes"));
    post(Map.of("members", List.of(member("linux"), member("linux")), "waitTimeout", "soon"))
        .statusCode(400)
        .body("field", equalTo("waitTimeout"));
  }

  @Test
  void aRefusedGroupLeavesNoLeaseBehind() {
    String owner = "group-refused-" + UUID.randomUUID();
    post(Map.of(
            "owner",
            owner,
            "members",
            List.of(member("linux"), Map.of("attributes", Map.of("bad key!", "x")))))
        .statusCode(400);
    as(AuthTestResource.ADMIN_TOKEN)
        .queryParam("owner", owner)
        .get("/api/v1/leases")
        .then()
        .statusCode(200)
        .body("leases", hasSize(0))
        .body("next", nullValue());
  }
}
