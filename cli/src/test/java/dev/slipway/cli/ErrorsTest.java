package dev.slipway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.cli.ApiClient.ApiException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** Exit codes and messages: 1 refused by the API, 2 usage, 3 unreachable. */
class ErrorsTest {

  @Test
  void apiErrorPrintsTheApisMessageAndFieldAndExitsOne() {
    CliRun cli =
        new CliRun(
            new FakeApi(
                request -> {
                  throw new ApiException(400, "invalid-request", "address is required", "address");
                }));

    int code =
        cli.run(
            "host",
            "add",
            "--name",
            "n",
            "--address",
            "a",
            "--user",
            "u",
            "--credential",
            "c",
            "--platform",
            "linux");

    assertEquals(1, code);
    assertEquals("slipway: address is required (field: address)", cli.err().strip());
  }

  @Test
  void aMessageFromTheServerIsPrintedWithItsControlCharactersEscaped() {
    CliRun cli =
        new CliRun(
            new FakeApi(
                request -> {
                  throw new ApiException(
                      404, "not-found", "build 'x\u001b[31mRED' does not exist", "f\u001b[2J");
                }));

    assertEquals(1, cli.run("build", "show", "x\u001b[31mRED"));

    assertEquals(
        "slipway: build 'x\\x1b[31mRED' does not exist (field: f\\x1b[2J)", cli.err().strip());
  }

  @Test
  void errorBodiesAreReadAsTheApiWritesThem() {
    var e =
        assertThrows(
            ApiException.class,
            () ->
                ApiClient.reply(
                    "GET",
                    "api/v1/hosts/x",
                    404,
                    "{\"error\":\"not-found\",\"message\":\"host 'x' does not exist\"}"));
    assertEquals("host 'x' does not exist", e.getMessage());
    assertNull(e.field);
    var bare =
        assertThrows(ApiException.class, () -> ApiClient.reply("GET", "api/v1/leases", 404, ""));
    assertEquals("HTTP 404 from GET /api/v1/leases", bare.getMessage());
  }

  @Test
  void unreachableReasonIsReadableEvenWithoutAMessage() {
    assertEquals("connection refused", ApiClient.reason(new ConnectException()));
    assertEquals(
        "Connection refused",
        ApiClient.reason(new IOException(null, new ConnectException("Connection refused"))));
  }

  @Test
  void realClientAgainstAClosedPortExitsThree() throws Exception {
    int port;
    try (var socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    CliRun cli = new CliRun(new FakeApi(request -> "[]"));

    int code = cli.run("--server", "http://127.0.0.1:" + port, "host", "list");

    assertEquals(3, code);
    assertTrue(
        cli.err().startsWith("slipway: cannot reach http://127.0.0.1:" + port + ": "), cli.err());
  }

  @Test
  void attributeWithoutEqualsSignIsAUsageErrorNamingAttr() {
    CliRun cli = new CliRun(new FakeApi(request -> "{}"));

    assertEquals(2, cli.run("lease", "acquire", "--type", "host", "--attr", "nokey"));

    assertTrue(cli.err().contains("'--attr'"), cli.err());
    assertTrue(cli.err().contains("'nokey' is not key=value"), cli.err());
    assertTrue(cli.api.requests.isEmpty());
  }

  @Test
  void unknownOptionAndMissingRequiredOptionAreUsageErrorsNamingThem() {
    CliRun cli = new CliRun(new FakeApi(request -> "{}"));
    assertEquals(2, cli.run("lease", "list", "--bogus"));
    assertTrue(cli.err().contains("'--bogus'"), cli.err());

    CliRun missing = new CliRun(new FakeApi(request -> "{}"));
    assertEquals(2, missing.run("lease", "acquire"));
    assertTrue(missing.err().contains("--type"), missing.err());
  }

  @Test
  void serverMustBeAUrl() {
    CliRun cli = new CliRun(new FakeApi(request -> "[]"));
    assertEquals(2, cli.run("--server", "localhost:8080", "host", "list"));
    assertTrue(cli.err().contains("'--server'"), cli.err());
  }

  @Test
  void versionAndHelpExitZero() {
    CliRun cli = new CliRun(new FakeApi(request -> "{}"));
    assertEquals(0, cli.run("--version"));
    assertTrue(cli.out().startsWith("slipway "), cli.out());
    assertEquals(0, cli.run("lease", "acquire", "--help"));
    assertTrue(cli.out().contains("--hold"));
  }
}
