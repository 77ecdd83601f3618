package dev.slipway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.cli.FakeApi.Request;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostCommandsTest {

  static final String HOST =
      "{\"id\":\"host-7\",\"name\":\"mac\",\"address\":\"10.0.0.7\",\"port\":22,\"user\":\"ci\","
          + "\"credentialId\":\"cred-1\",\"hostKey\":null,\"platform\":\"macos\","
          + "\"attributes\":{\"platform\":\"macos\",\"role\":\"build\"},\"slots\":2,"
          + "\"leasesHeld\":1,\"enabled\":true,\"status\":\"active\"}";

  private final CliRun cli = new CliRun(new FakeApi(request -> HOST));

  @Test
  void addSendsTheKeyFileAndAttributesAndPrintsTheHostIdFirst(@TempDir Path dir) throws Exception {
    Path key = dir.resolve("id_ed25519");
    String pem = "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n";
    Files.writeString(key, pem);

    int code =
        cli.run(
            "host",
            "add",
            "--name",
            "mac",
            "--address",
            "10.0.0.7",
            "--user",
            "ci",
            "--key-file",
            key.toString(),
            "--platform",
            "macos",
            "--attr",
            "role=build",
            "--attr",
            "cpu=8",
            "--slots",
            "2",
            "--host-key",
            "ssh-ed25519 AAAA");

    assertEquals(0, code, cli.err());
    Request post = cli.api.only("POST");
    assertEquals("api/v1/hosts", post.path());
    JsonNode body = post.body();
    assertEquals("mac", body.get("name").asText());
    assertEquals("10.0.0.7", body.get("address").asText());
    assertEquals(22, body.get("port").asInt());
    assertEquals("ci", body.get("user").asText());
    assertEquals(pem, body.get("privateKey").asText());
    assertFalse(body.has("credentialId"));
    assertEquals("ssh-ed25519 AAAA", body.get("hostKey").asText());
    assertEquals("macos", body.get("platform").asText());
    assertEquals("{\"role\":\"build\",\"cpu\":\"8\"}", body.get("attributes").toString());
    assertEquals(2, body.get("slots").asInt());
    assertTrue(cli.out().startsWith("id:"), cli.out());
    assertTrue(cli.out().lines().findFirst().orElseThrow().endsWith("host-7"), cli.out());
    assertFalse(cli.out().contains("hostKey"), "null fields are left out");
  }

  @Test
  void addWithAStoredCredentialSendsItsIdAndDefaults() {
    int code =
        cli.run(
            "host",
            "add",
            "--name",
            "l",
            "--address",
            "a",
            "--user",
            "u",
            "--credential",
            "cred-1",
            "--platform",
            "LINUX");

    assertEquals(0, code, cli.err());
    JsonNode body = cli.api.only("POST").body();
    assertEquals("cred-1", body.get("credentialId").asText());
    assertFalse(body.has("privateKey"));
    assertFalse(body.has("hostKey"));
    assertEquals("linux", body.get("platform").asText());
    assertEquals(22, body.get("port").asInt());
    assertEquals(1, body.get("slots").asInt());
    assertEquals("{}", body.get("attributes").toString());
  }

  @Test
  void addNeedsExactlyOneWayToLogIn(@TempDir Path dir) throws Exception {
    assertEquals(
        2,
        cli.run(
            "host", "add", "--name", "l", "--address", "a", "--user", "u", "--platform", "linux"));
    assertTrue(cli.err().contains("--key-file"), cli.err());
    assertTrue(cli.err().contains("--credential"), cli.err());
    assertTrue(cli.api.requests.isEmpty());
  }

  @Test
  void addRefusesAKeyFileThatHoldsNoPrivateKey(@TempDir Path dir) throws Exception {
    Path pub = dir.resolve("id_ed25519.pub");
    Files.writeString(pub, "ssh-ed25519 AAAA me@there\n");

    int code =
        cli.run(
            "host",
            "add",
            "--name",
            "l",
            "--address",
            "a",
            "--user",
            "u",
            "--key-file",
            pub.toString(),
            "--platform",
            "linux");

    assertEquals(2, code);
    assertTrue(cli.err().contains("'--key-file'"), cli.err());
    assertTrue(cli.api.requests.isEmpty());
  }

  @Test
  void listPrintsATableWithTheHostsColumns() {
    CliRun list = new CliRun(new FakeApi(request -> "[" + HOST + "]"));

    assertEquals(0, list.run("host", "list"));

    assertEquals("api/v1/hosts", list.api.only("GET").path());
    String[] lines = list.out().split("\\R");
    assertEquals(
        "ID      NAME  ADDRESS   PLATFORM  SLOTS  IN-USE  ENABLED  STATUS  ATTRIBUTES", lines[0]);
    assertEquals(
        "host-7  mac   10.0.0.7  macos     2      1       true     active  platform=macos,role=build",
        lines[1]);
  }

  @Test
  void listShowsControlCharactersInNamesEscapedButJsonAsTheyCame() {
    String hostile = HOST.replace("\"mac\"", "\"esc\\u001b]0;PWNED\\u0007\\u009b31m\"");
    CliRun list = new CliRun(new FakeApi(request -> "[" + hostile + "]"));

    assertEquals(0, list.run("host", "list"));

    assertTrue(list.out().contains("esc\\x1b]0;PWNED\\x07\\x9b31m"), list.out());
    assertTrue(list.out().chars().noneMatch(c -> c == 0x1b || c == 0x07 || c == 0x9b));

    CliRun json = new CliRun(new FakeApi(request -> "[" + hostile + "]"));
    assertEquals(0, json.run("host", "list", "--json"));
    assertEquals("[" + hostile + "]" + System.lineSeparator(), json.out());
  }

  @Test
  void jsonPrintsTheApisBodyAsItCameWhereverTheOptionIsGiven() {
    CliRun list = new CliRun(new FakeApi(request -> "[" + HOST + "]"));

    assertEquals(0, list.run("host", "list", "--json"));

    assertEquals("[" + HOST + "]" + System.lineSeparator(), list.out());
  }

  @Test
  void showEncodesTheIdAsOnePathSegment() {
    assertEquals(0, cli.run("host", "show", "a b/c"));
    assertEquals("api/v1/hosts/a%20b%2Fc", cli.api.only("GET").path());
  }

  @Test
  void editPatchesOnlyWhatIsGiven() {
    assertEquals(0, cli.run("host", "edit", "host-7", "--slots", "4", "--disable"));

    Request patch = cli.api.only("PATCH");
    assertEquals("api/v1/hosts/host-7", patch.path());
    assertEquals("{\"slots\":4,\"enabled\":false}", patch.body().toString());
  }

  @Test
  void editReplacesAttributesAndCanEnable() {
    assertEquals(0, cli.run("host", "edit", "host-7", "--attr", "role=test", "--enable"));

    assertEquals(
        "{\"attributes\":{\"role\":\"test\"},\"enabled\":true}",
        cli.api.only("PATCH").body().toString());
  }

  @Test
  void editWithNothingToChangeIsAUsageError() {
    assertEquals(2, cli.run("host", "edit", "host-7"));
    assertTrue(cli.err().contains("Nothing to change"), cli.err());
    assertTrue(cli.api.requests.isEmpty());
  }

  @Test
  void editRefusesEnableWithDisable() {
    assertEquals(2, cli.run("host", "edit", "host-7", "--enable", "--disable"));
    assertTrue(cli.err().contains("--enable, --disable are mutually exclusive"), cli.err());
  }

  @Test
  void disablePatchesEnabledFalse() {
    assertEquals(0, cli.run("host", "disable", "host-7"));
    Request patch = cli.api.only("PATCH");
    assertEquals("api/v1/hosts/host-7", patch.path());
    assertEquals("{\"enabled\":false}", patch.body().toString());
  }

  @Test
  void removeDeletesAndSaysTheHostGoesOnceIdle() {
    assertEquals(0, cli.run("host", "remove", "host-7"));
    assertEquals("api/v1/hosts/host-7", cli.api.only("DELETE").path());
    assertTrue(cli.err().contains("removed once idle"), cli.err());
  }
}
