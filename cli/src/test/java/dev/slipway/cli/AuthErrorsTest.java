package dev.slipway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.cli.ApiClient.ApiException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the user reads when the API does not know them (401) or does not let them (403). */
class AuthErrorsTest {

  @Test
  void withoutATokenNoneIsSentAndThe401SaysHowToGiveOne() {
    CliRun cli = new CliRun(new FakeApi(FakeApi.requiring("slw_right", request -> "[]")));

    assertEquals(1, cli.run("host", "list"));

    assertNull(cli.api.only("GET").authorization());
    assertEquals(
        "slipway: not authenticated: missing or invalid token; give a token with"
            + " --token-file, SLIPWAY_TOKEN, SLIPWAY_TOKEN_FILE or 'slipway login'",
        cli.err().strip());
    assertEquals("", cli.out());
  }

  @Test
  void tokenFromTheEnvironmentIsSentAsABearerToken() {
    CliRun cli = new CliRun(new FakeApi(FakeApi.requiring("slw_right", request -> "[]")));
    cli.env.put("SLIPWAY_TOKEN", "slw_right");

    assertEquals(0, cli.run("lease", "list"), cli.err());

    assertEquals("Bearer slw_right", cli.api.only("GET").authorization());
  }

  @Test
  void aRoleTooLowGetsTheNotAllowedMessage() {
    CliRun cli =
        new CliRun(
            new FakeApi(
                request -> {
                  throw new ApiException(403, "forbidden", "role viewer may not do this", null);
                }));
    cli.env.put("SLIPWAY_TOKEN", "slw_viewer");

    assertEquals(1, cli.run("host", "disable", "host-1"));

    assertEquals("slipway: not allowed: role viewer may not do this", cli.err().strip());
  }

  @Test
  void anUnreadableTokenFileIsAUsageErrorAndNothingIsSent(@TempDir Path dir) {
    CliRun cli = new CliRun(new FakeApi(request -> "[]"));
    Path missing = dir.resolve("missing");

    assertEquals(2, cli.run("host", "list", "--token-file", missing.toString()));

    assertTrue(
        cli.err().startsWith("slipway: --token-file: cannot read " + missing + ": no such file"),
        cli.err());
    assertTrue(cli.api.requests.isEmpty());
  }

  @Test
  void theLocalStacksTokenIsUsedForTheLocalDefaultServerOnly(@TempDir Path dir) throws Exception {
    Path local = CredentialsTest.secret(dir.resolve(".slipway/admin.token"), "slw_local");
    CliRun cli = new CliRun(new FakeApi(request -> "[]"));
    cli.localTokenFile = local;

    assertEquals(0, cli.run("host", "list"));

    assertNull(cli.api.only("GET").authorization(), "the fake is not http://127.0.0.1:8080");
    assertTrue(Files.exists(local));
  }

  @Test
  void helpSaysTheTokenIsNeverAnArgument() {
    CliRun cli = new CliRun(new FakeApi(request -> "{}"));
    assertEquals(0, cli.run("--help"));
    assertTrue(cli.out().contains("never taken as a command-line argument"), cli.out());
    assertTrue(cli.out().contains("--token-file=FILE"), cli.out());
  }
}
