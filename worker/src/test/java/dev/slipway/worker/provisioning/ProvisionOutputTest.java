package dev.slipway.worker.provisioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.stack.SshKeys;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProvisionOutputTest {

  private static final String KEY = SshKeys.publicKeyLine(SshKeys.generate().getPublic());

  @Test
  void readsTheObjectAfterWhateverWasPrintedBeforeIt() throws Exception {
    ProvisionOutput out =
        ProvisionOutput.parse(
            "Welcome to the provider CLI v2\n{\"address\":\"10.0.0.7\",\"port\":2222,"
                + "\"hostKey\":\""
                + KEY
                + "\",\"providerId\":\"i-123\",\"attributes\":{\"zone\":\"b\"}}\n",
            "build");
    assertEquals("10.0.0.7", out.address());
    assertEquals(2222, out.port());
    assertEquals("build", out.user(), "the blueprint's user when none is printed");
    assertEquals(KEY, out.hostKey());
    assertEquals("i-123", out.providerId());
    assertEquals(Map.of("zone", "b"), out.attributes());
    assertEquals("i-123", out.raw().get("providerId"));
  }

  @Test
  void defaultsThePortTo22AndLeavesTheHostKeyUnset() throws Exception {
    ProvisionOutput out =
        ProvisionOutput.parse(
            "{\"address\":\"h.example\",\"user\":\"ci\",\"providerId\":\"x\"}", null);
    assertEquals(22, out.port());
    assertEquals("ci", out.user());
    assertNull(out.hostKey());
  }

  @Test
  void refusesWhatCannotBeAHostAndKeepsTheProviderIdForDestroy() {
    assertRefused("no JSON object", "oops", "u");
    ProvisionOutput.Unusable noAddress =
        assertThrows(
            ProvisionOutput.Unusable.class,
            () -> ProvisionOutput.parse("{\"providerId\":\"i-9\"}", "u"));
    assertTrue(noAddress.getMessage().contains("no address"));
    assertEquals("i-9", noAddress.providerId());
    assertRefused("port", "{\"address\":\"a\",\"port\":70000,\"providerId\":\"i\"}", "u");
    assertRefused(
        "hostKey", "{\"address\":\"a\",\"hostKey\":\"not a key\",\"providerId\":\"i\"}", "u");
    assertRefused("address", "{\"address\":\"a; rm -rf /\",\"providerId\":\"i\"}", "u");
    assertRefused("address", "{\"address\":\"-oProxyCommand=x\",\"providerId\":\"i\"}", "u");
    assertRefused(
        "user", "{\"address\":\"a\",\"user\":\"-oProxyCommand=x\",\"providerId\":\"i\"}", "u");
    assertRefused("no user", "{\"address\":\"a\",\"providerId\":\"i\"}", null);
    ProvisionOutput.Unusable control =
        assertThrows(
            ProvisionOutput.Unusable.class,
            () -> ProvisionOutput.parse("{\"address\":\"a\",\"providerId\":\"i-1\\u0000x\"}", "u"));
    assertTrue(control.getMessage().contains("control characters"), control.getMessage());
    assertEquals(null, control.providerId(), "a provider id destroy could not be given");
  }

  /**
   * {@code ProvisionOutput.parse(json, defaultUser)} is refused with a message naming {@code what}.
   */
  private static void assertRefused(String what, String json, String defaultUser) {
    assertTrue(
        assertThrows(ProvisionOutput.Unusable.class, () -> ProvisionOutput.parse(json, defaultUser))
            .getMessage()
            .contains(what));
  }
}
