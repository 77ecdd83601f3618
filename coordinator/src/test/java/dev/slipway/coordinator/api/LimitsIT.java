package dev.slipway.coordinator.api;

import static dev.slipway.coordinator.auth.AuthTestResource.admin;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.slipway.common.limits.Limits;
import dev.slipway.coordinator.auth.AuthTestResource;
import dev.slipway.stack.RealServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Every door of the API refuses a value over its limit ({@link Limits}) with a 400 naming the field
 * and the limit, and a body over the limit with the API's JSON 413.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@QuarkusTestResource(AuthTestResource.class)
class LimitsIT {

  private static final String MEGA_AND_A_HALF = "x".repeat(1_500_000);

  @Test
  void aLeaseWithAHugeAttributeValueIsRefusedNamingTheAttribute() {
    admin()
        .body(Map.of("type", "host", "attributes", Map.of("platform", MEGA_AND_A_HALF)))
        .post("/api/v1/leases")
        .then()
        .statusCode(400)
        .body("error", equalTo("invalid-request"))
        .body("field", equalTo("attributes.platform"))
        .body("message", containsString("at most " + Limits.ATTRIBUTE_VALUE));
  }

  @Test
  void aLeaseWithTooManyAttributesIsRefused() {
    Map<String, String> many = new java.util.HashMap<>();
    for (int i = 0; i <= Limits.ATTRIBUTES; i++) {
      many.put("a" + i, "v");
    }
    admin()
        .body(Map.of("type", "host", "attributes", many))
        .post("/api/v1/leases")
        .then()
        .statusCode(400)
        .body("field", equalTo("attributes"))
        .body("message", containsString("at most " + Limits.ATTRIBUTES));
  }

  @Test
  void aHostWithAHugeAttributeOrAddressIsRefused() {
    Map<String, Object> host =
        Map.of(
            "name",
            "big-" + UUID.randomUUID(),
            "address",
            "a".repeat(Limits.ADDRESS + 1),
            "user",
            "ci",
            "platform",
            "linux",
            "privateKey",
            "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----");
    admin()
        .body(host)
        .post("/api/v1/hosts")
        .then()
        .statusCode(400)
        .body("field", equalTo("address"))
        .body("message", containsString("at most " + Limits.ADDRESS));
  }

  @Test
  void aPlanTooLargeOrWithACommandTooLongIsRefused() {
    String name = "big-" + UUID.randomUUID().toString().substring(0, 8);
    String yaml =
        "steps:\n  - {name: h, kind: lease-host}\n  - {name: r, kind: run, on: h, command: 'true'}\n"
            + "# "
            + "y".repeat(Limits.PLAN_YAML)
            + "\n";
    admin()
        .body(Map.of("name", name, "yaml", yaml))
        .post("/api/v1/plans")
        .then()
        .statusCode(400)
        .body("field", equalTo("yaml"))
        .body("message", containsString("at most " + Limits.PLAN_YAML));
    String longCommand =
        "steps:\n  - {name: h, kind: lease-host}\n  - {name: r, kind: run, on: h, command: 'echo "
            + "z".repeat(Limits.COMMAND)
            + "'}\n";
    admin()
        .body(Map.of("name", name, "yaml", longCommand))
        .post("/api/v1/plans")
        .then()
        .statusCode(400)
        .body("field", equalTo("steps[1].command"))
        .body("message", containsString("at most " + Limits.COMMAND));
  }

  @Test
  void aPlanWithTooManyStepsIsRefused() {
    StringBuilder yaml = new StringBuilder("steps:\n  - {name: h, kind: lease-host}\n");
    for (int i = 0; i < Limits.PLAN_STEPS; i++) {
      yaml.append("  - {name: r").append(i).append(", kind: run, on: h, command: 'true'}\n");
    }
    admin()
        .body(Map.of("name", "many-" + UUID.randomUUID(), "yaml", yaml.toString()))
        .post("/api/v1/plans")
        .then()
        .statusCode(400)
        .body("field", equalTo("steps"))
        .body("message", containsString("at most " + Limits.PLAN_STEPS));
  }

  @Test
  void aBodyOverTheLimitIsRefusedWith413AndAJsonError() {
    String huge = "x".repeat(Limits.MAX_BODY_BYTES + 1);
    admin()
        .body(Map.of("name", "huge", "yaml", huge))
        .post("/api/v1/plans")
        .then()
        .statusCode(413)
        .body("error", equalTo("payload-too-large"))
        .body("message", containsString("at most " + Limits.MAX_BODY_BYTES + " bytes"));
  }
}
