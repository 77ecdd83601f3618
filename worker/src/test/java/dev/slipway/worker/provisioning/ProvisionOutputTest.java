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
    assertTrue(
        assertThrows(ProvisionOutput.Unusable.class, () -> ProvisionOutput.parse("oops", "u"))
            .getMessage()
            .contains("no JSON object"));
    ProvisionOutput.Unusable noAddress =
        assertThrows(
            ProvisionOutput.Unusable.class,
            () -> ProvisionOutput.parse("{\"providerId\":\"i-9\"}", "u"));
    assertTrue(noAddress.getMessage().contains("no address"));
    assertEquals("i-9", noAddress.providerId());
    assertTrue(
        assertThrows(
                ProvisionOutput.Unusable.class,
                () ->
                    ProvisionOutput.parse(
                        "{\"address\":\"a\",\"port\":70000,\"providerId\":\"i\"}", "u"))
            .getMessage()
            .contains("port"));
    assertTrue(
        assertThrows(
                ProvisionOutput.Unusable.class,
                () ->
                    ProvisionOutput.parse(
                        "{\"address\":\"a\",\"hostKey\":\"not a key\",\"providerId\":\"i\"}", "u"))
            .getMessage()
            .contains("hostKey"));
    assertTrue(
        assertThrows(
                ProvisionOutput.Unusable.class,
                () ->
                    ProvisionOutput.parse(
                        "{\"address\":\"a; rm -rf /\",\"providerId\":\"i\"}", "u"))
            .getMessage()
            .contains("address"));
    assertTrue(
        assertThrows(
                ProvisionOutput.Unusable.class,
                () ->
                    ProvisionOutput.parse(
                        "{\"address\":\"-oProxyCommand=x\",\"providerId\":\"i\"}", "u"))
            .getMessage()
            .contains("address"));
    assertTrue(
        assertThrows(
                ProvisionOutput.Unusable.class,
                () ->
                    ProvisionOutput.parse(
                        "{\"address\":\"a\",\"user\":\"-oProxyCommand=x\",\"providerId\":\"i\"}",
                        "u"))
            .getMessage()
            .contains("user"));
    assertTrue(
        assertThrows(
                ProvisionOutput.Unusable.class,
                () -> ProvisionOutput.parse("{\"address\":\"a\",\"providerId\":\"i\"}", null))
            .getMessage()
            .contains("no user"));
    ProvisionOutput.Unusable control =
        assertThrows(
            ProvisionOutput.Unusable.class,
            () -> ProvisionOutput.parse("{\"address\":\"a\",\"providerId\":\"i-1\\u0000x\"}", "u"));
    assertTrue(control.getMessage().contains("control characters"), control.getMessage());
    assertEquals(null, control.providerId(), "a provider id destroy could not be given");
  }
}
