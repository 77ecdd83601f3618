package dev.slipway.coordinator.blueprint;

import static dev.slipway.coordinator.auth.AuthTestResource.as;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.coordinator.auth.AuthTestResource;
import dev.slipway.stack.RealServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Blueprints through the API against a real PostgreSQL: each kind's config is checked as a whole on
 * create and on every change, with a 400 naming the field; viewers never see inline scripts.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@QuarkusTestResource(AuthTestResource.class)
class BlueprintApiIT {

  private static final String KEY =
      "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----";
  private static final String PROVISION =
      "#!/bin/sh\n# PROVIDER_TOKEN=s3cr3t\necho '{\"address\": \"10.0.0.1\"}'\n";

  private static String credential;
  private static String viewer;

  @BeforeEach
  void sharedCredentialAndViewer() { // once: the app is up only from the first test on
    if (viewer != null) {
      return;
    }
    credential =
        as(AuthTestResource.ADMIN_TOKEN)
            .body(Map.of("name", "pool-key-" + suffix(), "privateKey", KEY))
            .post("/api/v1/credentials")
            .then()
            .statusCode(201)
            .extract()
            .path("id");
    viewer = AuthTestResource.newToken("viewer");
  }

  @Test
  void aScriptHostIsCreatedWithItsLimitInTheRecordAndReadBack() {
    String name = "pool-" + suffix();
    Map<String, Object> config = scriptHost("maxResources", 3, "idleTtl", "10m");

    as(AuthTestResource.ADMIN_TOKEN)
        .body(Map.of("name", name, "kind", "script-host", "config", config))
        .post("/api/v1/blueprints")
        .then()
        .statusCode(201)
        .header("Location", containsString("/api/v1/blueprints/" + name))
        .body("type", equalTo("host"))
        .body("maxResources", equalTo(3))
        .body("config.maxResources", nullValue())
        .body("createdBy", equalTo("token:bootstrap"));

    as(AuthTestResource.ADMIN_TOKEN)
        .get("/api/v1/blueprints/" + name)
        .then()
        .statusCode(200)
        .body("kind", equalTo("script-host"))
        .body("enabled", equalTo(true))
        .body("maxResources", equalTo(3))
        .body("config.provision", equalTo(PROVISION))
        .body("config.idleTtl", equalTo("10m"))
        .body("config.credentialId", equalTo(credential));
    as(AuthTestResource.ADMIN_TOKEN)
        .get("/api/v1/blueprints")
        .then()
        .body("name", hasItem(name))
        .body("name", hasItem("static-host"));
    // a name is taken once; changes go through PATCH
    as(AuthTestResource.ADMIN_TOKEN)
        .body(Map.of("name", name, "kind", "script-host", "config", config))
        .post("/api/v1/blueprints")
        .then()
        .statusCode(409)
        .body("message", containsString("PATCH"));
  }

  @Test
  void everyRefusalNamesItsField() {
    refused(Map.of("name", "b-" + suffix(), "kind", "cloud-host"), "kind");
    refused(Map.of("name", "bad/name", "kind", "static-host"), "name");
    Map<String, Object> noProvision = scriptHost();
    noProvision.remove("provision");
    refused(blueprint(noProvision), "config.provision");
    refused(blueprint(scriptHost("destroy", "scripts/destroy.sh")), "config.destroy");
    refused(blueprint(scriptHost("idleTtl", "a while")), "config.idleTtl");
    refused(blueprint(scriptHost("region", "eu-west-1")), "config.region");
    refused(blueprint(scriptHost("credentialId", "no-such-credential")), "config.credentialId");
    refused(blueprint(scriptHost("maxResources", 2, "minIdle", 5)), "config.minIdle");
    Map<String, Object> both = blueprint(scriptHost("maxResources", 2));
    both.put("maxResources", 4);
    refused(both, "config.maxResources");
    refused(
        Map.of("name", "s-" + suffix(), "kind", "static-host", "config", Map.of("provision", "x")),
        "config.provision");
    refused(
        Map.of(
            "name",
            "s-" + suffix(),
            "kind",
            "static-host",
            "config",
            Map.of("workingCopies", Map.of("maxCopies", "many"))),
        "config.workingCopies.maxCopies");
  }

  @Test
  void aStaticHostBlueprintKeepsItsWorkingCopyBudget() {
    String name = "budget-" + suffix();
    as(AuthTestResource.ADMIN_TOKEN)
        .body(
            Map.of(
                "name",
                name,
                "kind",
                "static-host",
                "config",
                Map.of("workingCopies", Map.of("maxCopies", 0))))
        .post("/api/v1/blueprints")
        .then()
        .statusCode(201)
        .body("config.workingCopies.maxCopies", equalTo(0));
  }

  @Test
  void aPatchMergesTopLevelKeysRemovesNullsAndIsCheckedAsAWhole() {
    String name = create(scriptHost("list", "/opt/pool/list", "minIdle", 1));
    Map<String, Object> change = new HashMap<>();
    change.put("list", null);
    change.put("idleTtl", "30m");
    change.put("maxResources", 5);

    as(AuthTestResource.ADMIN_TOKEN)
        .body(Map.of("config", change, "enabled", false))
        .patch("/api/v1/blueprints/" + name)
        .then()
        .statusCode(200)
        .body("enabled", equalTo(false))
        .body("maxResources", equalTo(5))
        .body("config.list", nullValue())
        .body("config.maxResources", nullValue())
        .body("config.idleTtl", equalTo("30m"))
        .body("config.minIdle", equalTo(1))
        .body("config.provision", equalTo(PROVISION))
        .body("updatedBy", equalTo("token:bootstrap"));
    List<String> audited =
        as(AuthTestResource.ADMIN_TOKEN)
            .get("/api/v1/audit?actor=token:bootstrap&limit=1000")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getList("findAll { it.outcome == 200 }.action");
    assertTrue(audited.contains("PATCH /api/v1/blueprints/" + name), audited.toString());

    // a limit below the warm pool is refused as a whole, and nothing changes
    as(AuthTestResource.ADMIN_TOKEN)
        .body(Map.of("maxResources", 1, "config", Map.of("minIdle", 2)))
        .patch("/api/v1/blueprints/" + name)
        .then()
        .statusCode(400)
        .body("field", equalTo("config.minIdle"));
    Map<String, Object> removeProvision = new HashMap<>();
    removeProvision.put("provision", null);
    as(AuthTestResource.ADMIN_TOKEN)
        .body(Map.of("config", removeProvision))
        .patch("/api/v1/blueprints/" + name)
        .then()
        .statusCode(400)
        .body("field", equalTo("config.provision"));
    as(AuthTestResource.ADMIN_TOKEN)
        .get("/api/v1/blueprints/" + name)
        .then()
        .body("maxResources", equalTo(5))
        .body("config.minIdle", equalTo(1))
        .body("config.provision", equalTo(PROVISION));

    as(AuthTestResource.ADMIN_TOKEN)
        .body(Map.of("enabled", true))
        .patch("/api/v1/blueprints/no-such-" + suffix())
        .then()
        .statusCode(404)
        .body("message", containsString("no-such-"));
  }

  @Test
  void viewersSeeNoInlineScriptAndMayNotChangeBlueprints() {
    String name = create(scriptHost());
    int bytes = PROVISION.getBytes(StandardCharsets.UTF_8).length;

    String shown =
        as(viewer)
            .get("/api/v1/blueprints/" + name)
            .then()
            .statusCode(200)
            .body("config.provision", equalTo("(inline script, " + bytes + " bytes)"))
            .body("config.destroy", equalTo("/opt/pool/destroy"))
            .extract()
            .asString();
    assertFalse(shown.contains("s3cr3t"), shown);
    String listed =
        as(viewer).get("/api/v1/blueprints").then().statusCode(200).extract().asString();
    assertFalse(listed.contains("s3cr3t"), listed);

    as(viewer).body(blueprint(scriptHost())).post("/api/v1/blueprints").then().statusCode(403);
    as(viewer)
        .body(Map.of("enabled", false))
        .patch("/api/v1/blueprints/" + name)
        .then()
        .statusCode(403);
    as(viewer)
        .get("/api/v1/blueprints/no-such-blueprint")
        .then()
        .statusCode(404)
        .body("message", containsString("no-such-blueprint"));
  }

  @Test
  void aCredentialABlueprintNamesCannotBeDeleted() {
    String name = create(scriptHost());
    as(AuthTestResource.ADMIN_TOKEN)
        .delete("/api/v1/credentials/" + credential)
        .then()
        .statusCode(409)
        .body("message", containsString(name));
    as(AuthTestResource.ADMIN_TOKEN)
        .get("/api/v1/credentials")
        .then()
        .body("id", hasItem(credential))
        .body("id", not(hasItem("x")));
  }

  private static String create(Map<String, Object> config) {
    Map<String, Object> body = blueprint(config);
    as(AuthTestResource.ADMIN_TOKEN).body(body).post("/api/v1/blueprints").then().statusCode(201);
    return (String) body.get("name");
  }

  private static void refused(Map<String, Object> body, String field) {
    as(AuthTestResource.ADMIN_TOKEN)
        .body(body)
        .post("/api/v1/blueprints")
        .then()
        .statusCode(400)
        .body("error", equalTo("invalid-request"))
        .body("field", equalTo(field));
  }

  private static Map<String, Object> blueprint(Map<String, Object> config) {
    Map<String, Object> body = new HashMap<>();
    body.put("name", "pool-" + suffix());
    body.put("kind", "script-host");
    body.put("config", config);
    return body;
  }

  /** A valid script-host config, plus {@code extra} key-value pairs. */
  private static Map<String, Object> scriptHost(Object... extra) {
    Map<String, Object> config = new HashMap<>();
    config.put("provision", PROVISION);
    config.put("destroy", "/opt/pool/destroy");
    config.put("credentialId", credential);
    for (int i = 0; i < extra.length; i += 2) {
      config.put((String) extra[i], extra[i + 1]);
    }
    return config;
  }

  private static String suffix() {
    return UUID.randomUUID().toString().substring(0, 8);
  }
}
