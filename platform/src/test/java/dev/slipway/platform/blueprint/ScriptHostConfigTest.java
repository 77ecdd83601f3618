package dev.slipway.platform.blueprint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one reader of a script-host config: its defaults, and a refusal naming each bad field. */
class ScriptHostConfigTest {

  private static final String SCRIPT = "#!/bin/sh\necho '{\"address\": \"10.0.0.1\"}'\n";

  /** The least a script-host config needs, plus {@code extra}. */
  private static Map<String, Object> config(Object... extra) {
    Map<String, Object> c = new HashMap<>();
    c.put("provision", SCRIPT);
    c.put("destroy", "/opt/slipway/destroy");
    c.put("credentialId", "cred-1");
    for (int i = 0; i < extra.length; i += 2) {
      c.put((String) extra[i], extra[i + 1]);
    }
    return c;
  }

  @Test
  void defaults() {
    ScriptHostConfig c = ScriptHostConfig.of(config(), null);

    assertEquals(SCRIPT, c.provision().inline());
    assertNull(c.provision().path());
    assertEquals(Path.of("/opt/slipway/destroy"), c.destroy().path());
    assertEquals("(inline script)", c.provision().toString(), "never the text in logs");
    assertNull(c.list());
    assertEquals("cred-1", c.credentialId());
    assertNull(c.user());
    assertEquals(Map.of("platform", "linux"), c.attributes());
    assertEquals(1, c.slotsPerHost());
    assertEquals(0, c.minIdle());
    assertNull(c.maxResources());
    assertEquals(2, c.maxProvisioning());
    assertEquals(Duration.ZERO, c.idleTtl());
    assertEquals(
        new ScriptHostConfig.Timeouts(
            Duration.ofMinutes(10),
            Duration.ofMinutes(5),
            Duration.ofMinutes(1),
            Duration.ofMinutes(5)),
        c.timeouts());
    assertEquals("true", c.probe());
    assertFalse(c.trustFirstHostKey());
  }

  @Test
  void givenValuesAreRead() {
    ScriptHostConfig c =
        ScriptHostConfig.of(
            config(
                "platform",
                "macos",
                "attributes",
                Map.of("role", "build"),
                "slotsPerHost",
                4,
                "minIdle",
                1,
                "idleTtl",
                "15m",
                "timeouts",
                Map.of("ready", "2m"),
                "trustFirstHostKey",
                true),
            3);

    assertEquals(Map.of("platform", "macos", "role", "build"), c.attributes());
    assertEquals(4, c.slotsPerHost());
    assertEquals(3, c.maxResources());
    assertEquals(Duration.ofMinutes(15), c.idleTtl());
    assertEquals(Duration.ofMinutes(2), c.timeouts().ready());
    assertEquals(Duration.ofMinutes(10), c.timeouts().provision());
    assertTrue(c.trustFirstHostKey());
    assertTrue(c.offers(Map.of("role", "build")));
    assertFalse(c.offers(Map.of("platform", "linux")));
  }

  @Test
  void maxResourcesInConfigWinsOverTheRecords() {
    assertEquals(5, ScriptHostConfig.of(config("maxResources", 5), 2).maxResources());
  }

  @Test
  void eachInvalidValueNamesItsField() {
    Map<String, Map<String, Object>> cases = new java.util.LinkedHashMap<>();
    Map<String, Object> noProvision = config();
    noProvision.remove("provision");
    cases.put("config.provision", noProvision);
    cases.put("config.destroy", config("destroy", "relative/destroy.sh"));
    cases.put("config.list", config("list", ""));
    Map<String, Object> noCredential = config();
    noCredential.remove("credentialId");
    cases.put("config.credentialId", noCredential);
    cases.put("config.region", config("region", "eu"));
    cases.put("config.user", config("user", " "));
    cases.put("config.attributes", config("attributes", "role=build"));
    cases.put("config.attributes.role", config("attributes", Map.of("role", 1)));
    cases.put("config.slotsPerHost", config("slotsPerHost", 0));
    cases.put("config.minIdle", config("minIdle", 1.5));
    cases.put("config.maxResources", config("maxResources", 0));
    cases.put("config.maxProvisioning", config("maxProvisioning", "two"));
    cases.put("config.idleTtl", config("idleTtl", "soon"));
    cases.put("config.timeouts", config("timeouts", "5m"));
    cases.put("config.timeouts.boot", config("timeouts", Map.of("boot", "5m")));
    cases.put("config.timeouts.ready", config("timeouts", Map.of("ready", "0s")));
    cases.put("config.trustFirstHostKey", config("trustFirstHostKey", "yes"));

    cases.forEach(
        (field, given) -> {
          ScriptHostConfig.Invalid e =
              assertThrows(
                  ScriptHostConfig.Invalid.class, () -> ScriptHostConfig.of(given, null), field);
          assertEquals(field, e.field(), e.getMessage());
          assertTrue(e.getMessage().contains(field), e.getMessage());
        });
  }

  /** The user logs in to the hosts it makes: the same rule as a registered host's user. */
  @Test
  void aUserThatLooksLikeAnSshOptionOrHoldsControlCharactersIsRefused() {
    for (String user : List.of("-oProxyCommand=touch /tmp/pwned", "ci\u001b]0;PWNED\u0007")) {
      ScriptHostConfig.Invalid e =
          assertThrows(
              ScriptHostConfig.Invalid.class,
              () -> ScriptHostConfig.of(config("user", user), null),
              user);
      assertEquals("config.user", e.field(), e.getMessage());
    }
    assertEquals(
        "CORP\\build agent", ScriptHostConfig.of(config("user", "CORP\\build agent"), null).user());
  }

  @Test
  void minIdleAboveTheLimitOfHostsIsRefused() {
    var e =
        assertThrows(
            ScriptHostConfig.Invalid.class, () -> ScriptHostConfig.of(config("minIdle", 3), 2));
    assertEquals("config.minIdle", e.field());
  }

  @Test
  void kindsCheckStaticHostConfigsAndMoveAScriptHostsLimitToTheRecord() {
    assertEquals("host", BlueprintKinds.type(BlueprintKinds.SCRIPT_HOST));
    assertEquals("host", BlueprintKinds.type(BlueprintKinds.STATIC_HOST));
    assertNull(BlueprintKinds.type("working-copy"), "built in, not configured by operators");
    BlueprintKinds.check(
        BlueprintKinds.STATIC_HOST,
        Map.of("workingCopies", Map.of("maxCopies", 0, "maxBytes", 10_000_000_000L)),
        null);
    assertEquals(
        "config.provision",
        assertThrows(
                ScriptHostConfig.Invalid.class,
                () ->
                    BlueprintKinds.check(
                        BlueprintKinds.STATIC_HOST, Map.of("provision", SCRIPT), null))
            .field());
    assertEquals(
        "config.workingCopies.maxCopies",
        assertThrows(
                ScriptHostConfig.Invalid.class,
                () ->
                    BlueprintKinds.check(
                        BlueprintKinds.SCRIPT_HOST,
                        config("workingCopies", Map.of("maxCopies", -1)),
                        null))
            .field());
    assertEquals(
        "kind",
        assertThrows(ScriptHostConfig.Invalid.class, () -> BlueprintKinds.check("x", null, null))
            .field());

    Map<String, Object> moved = config("maxResources", 4);
    assertEquals(4, BlueprintKinds.takeMaxResources(BlueprintKinds.SCRIPT_HOST, moved, 2, false));
    assertFalse(moved.containsKey("maxResources"));
    assertEquals(
        "config.maxResources",
        assertThrows(
                ScriptHostConfig.Invalid.class,
                () ->
                    BlueprintKinds.takeMaxResources(
                        BlueprintKinds.SCRIPT_HOST, config("maxResources", 4), 2, true))
            .field());
  }
}
