package dev.slipway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code slipway login} and {@code logout}, and the token the commands after them send. */
class LoginTest {

  static final String TOKEN = "slw_" + "A".repeat(43);
  static final String WHOAMI = "{\"subject\":\"ci\",\"role\":\"operator\",\"via\":\"token\"}";

  @TempDir Path home;

  final FakeApi api = new FakeApi(FakeApi.requiring(TOKEN, request -> answer(request)));

  @Test
  void loginChecksTheTokenSavesItOwnerOnlyAndTheNextCommandSendsIt() throws Exception {
    Path tokenFile = CredentialsTest.secret(home.resolve("token"), TOKEN + "\n");
    CliRun login = new CliRun(api).home(home);

    assertEquals(
        0, login.run("login", "--server", api.url().toString(), "--token-file", "" + tokenFile));

    assertEquals("logged in to " + api.url() + " as ci (operator)", login.out().strip());
    assertEquals("api/v1/whoami", api.only("GET").path());
    Path config = home.resolve(".config/slipway/config");
    assertEquals("rw-------", mode(config));
    assertEquals("rwx------", mode(config.getParent()));
    assertTrue(Files.readString(config).contains("server=" + api.url()), Files.readString(config));
    assertFalse(login.out().contains(TOKEN) || login.err().contains(TOKEN), "never printed");

    CliRun next = new CliRun(api).home(home);
    next.env.remove("SLIPWAY_SERVER");
    assertEquals(0, next.run("host", "list"), next.err());
    assertEquals("Bearer " + TOKEN, api.requests.get(1).authorization());
    assertEquals("", next.err(), "an owner-only config gives no warning");
  }

  @Test
  void loginReadsTheTokenFromStdinWithoutAConsole() throws Exception {
    CliRun login = new CliRun(api).home(home);
    login.stdin = TOKEN + "\n";

    assertEquals(0, login.run("login"), login.err());

    assertEquals("Bearer " + TOKEN, api.only("GET").authorization());
    assertTrue(Files.readString(home.resolve(".config/slipway/config")).contains("token=" + TOKEN));
  }

  @Test
  void aRefusedLoginSavesNothing() {
    CliRun login = new CliRun(api).home(home);
    login.stdin = "slw_wrong\n";

    assertEquals(1, login.run("login"));

    assertTrue(
        login.err().startsWith("slipway: not authenticated: missing or invalid token"),
        login.err());
    assertFalse(Files.exists(home.resolve(".config/slipway/config")));
  }

  @Test
  void loginWithoutAnyTokenIsAUsageError() {
    CliRun login = new CliRun(api).home(home);

    assertEquals(2, login.run("login"));

    assertTrue(login.err().startsWith("slipway: no token: give --token-file FILE"), login.err());
    assertTrue(api.requests.isEmpty());
  }

  @Test
  void logoutForgetsTheTokenAndKeepsTheServer() throws Exception {
    CliRun login = new CliRun(api).home(home);
    login.stdin = TOKEN;
    assertEquals(0, login.run("login"), login.err());

    CliRun logout = new CliRun(api).home(home);
    assertEquals(0, logout.run("logout"));

    String config = Files.readString(home.resolve(".config/slipway/config"));
    assertFalse(config.contains(TOKEN), config);
    assertTrue(config.contains("server=" + api.url()), config);
    assertTrue(logout.err().contains("removed the saved token"), logout.err());
    CliRun after = new CliRun(api).home(home);
    after.env.remove("SLIPWAY_SERVER");
    assertEquals(1, after.run("host", "list"));
    assertNull(api.requests.get(api.requests.size() - 1).authorization());
    assertEquals(0, new CliRun(api).home(home).run("logout"), "nothing to forget is fine");
  }

  @Test
  void whoamiShowsWhoTheServerTakesUsFor() {
    CliRun cli = new CliRun(api);
    cli.env.put("SLIPWAY_TOKEN", TOKEN);

    assertEquals(0, cli.run("whoami"), cli.err());

    assertEquals(
        "subject: ci\nrole:    operator\nvia:     token",
        cli.out().strip().replace(System.lineSeparator(), "\n"));
  }

  private static String answer(FakeApi.Request request) {
    return request.path().equals("api/v1/whoami") ? WHOAMI : "[]";
  }

  private static String mode(Path path) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }
}
