package dev.slipway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

class TokenCommandsTest {

  static final String SECRET = "slw_" + "b".repeat(43);
  static final String CREATED =
      "{\"id\":\"tok-1\",\"name\":\"ci\",\"role\":\"viewer\",\"token\":\""
          + SECRET
          + "\",\"createdAt\":\"2026-05-01T10:00:00Z\",\"createdBy\":\"admin\","
          + "\"expiresAt\":null}";
  static final String LISTED =
      "[{\"id\":\"tok-1\",\"name\":\"ci\",\"role\":\"viewer\","
          + "\"createdAt\":\"2026-05-01T10:00:00Z\",\"createdBy\":\"admin\","
          + "\"lastUsedAt\":null,\"expiresAt\":\"2026-06-01T10:00:00Z\",\"revokedAt\":null}]";

  @Test
  void createSendsNameRoleAndExpiryAndPrintsOnlyTheTokenOnStdout() {
    CliRun cli = new CliRun(new FakeApi(request -> CREATED));

    Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    int code =
        cli.run("token", "create", "--name", "ci", "--role", "Viewer", "--expires-in", "30d");
    Instant after = Instant.now();

    assertEquals(0, code, cli.err());
    FakeApi.Request post = cli.api.only("POST");
    assertEquals("api/v1/tokens", post.path());
    JsonNode body = post.body();
    assertEquals("ci", body.get("name").asText());
    assertEquals("viewer", body.get("role").asText());
    Instant expires = Instant.parse(body.get("expiresAt").asText());
    assertFalse(expires.isBefore(before.plus(Duration.ofDays(30))), expires.toString());
    assertFalse(expires.isAfter(after.plus(Duration.ofDays(30))), expires.toString());
    assertEquals(SECRET + System.lineSeparator(), cli.out());
    assertEquals("token tok-1 (viewer) created; it will not be shown again", cli.err().strip());
  }

  @Test
  void createWithoutExpiryLeavesItOutAndJsonPrintsTheWholeReply() {
    CliRun cli = new CliRun(new FakeApi(request -> CREATED));

    assertEquals(0, cli.run("token", "create", "--name", "ci", "--role", "admin", "--json"));

    assertFalse(cli.api.only("POST").body().has("expiresAt"));
    assertEquals(CREATED + System.lineSeparator(), cli.out());
    assertTrue(cli.err().contains("will not be shown again"), cli.err());
  }

  @Test
  void createRefusesAnUnknownRoleOrDurationBeforeSending() {
    CliRun cli = new CliRun(new FakeApi(request -> CREATED));

    assertEquals(2, cli.run("token", "create", "--name", "ci", "--role", "root"));
    assertTrue(cli.err().contains("'root' is not viewer, operator or admin"), cli.err());
    assertEquals(
        2, cli.run("token", "create", "--name", "ci", "--role", "admin", "--expires-in", "soon"));
    assertTrue(cli.err().contains("'--expires-in'"), cli.err());
    assertTrue(cli.api.requests.isEmpty());
  }

  @Test
  void listPrintsATableWithoutSecrets() {
    CliRun cli = new CliRun(new FakeApi(request -> LISTED));

    assertEquals(0, cli.run("token", "list"));

    assertEquals("api/v1/tokens", cli.api.only("GET").path());
    String[] lines = cli.out().split("\\R");
    assertEquals(
        "ID     NAME  ROLE    CREATED               LAST-USED  EXPIRES               REVOKED",
        lines[0]);
    assertEquals(
        "tok-1  ci    viewer  2026-05-01T10:00:00Z  -          2026-06-01T10:00:00Z  -", lines[1]);
  }

  @Test
  void revokeDeletesTheTokenAndSaysSo() {
    CliRun cli = new CliRun(new FakeApi(request -> null));

    assertEquals(0, cli.run("token", "revoke", "tok-1"));

    assertEquals("api/v1/tokens/tok-1", cli.api.only("DELETE").path());
    assertEquals("", cli.out());
    assertEquals("token tok-1 is revoked", cli.err().strip());
  }
}
