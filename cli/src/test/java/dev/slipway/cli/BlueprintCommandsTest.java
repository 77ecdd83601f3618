package dev.slipway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.cli.ApiClient.ApiException;
import dev.slipway.cli.FakeApi.Request;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlueprintCommandsTest {

  static final String BLUEPRINT =
      "{\"id\":\"pool\",\"name\":\"pool\",\"kind\":\"script-host\",\"type\":\"host\","
          + "\"enabled\":true,\"maxResources\":3,"
          + "\"config\":{\"provision\":\"(inline script, 40 bytes)\",\"idleTtl\":\"10m\"}}";

  private final CliRun cli = new CliRun(new FakeApi(request -> BLUEPRINT));

  @Test
  void addSendsTheKindTheConfigFileAndTheLimit(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("pool.json");
    Files.writeString(config, "{\"provision\": \"/opt/p\", \"idleTtl\": \"10m\"}");

    int code =
        cli.run(
            "blueprint",
            "add",
            "pool",
            "--kind",
            "script-host",
            "--config",
            config.toString(),
            "--max-resources",
            "3");

    assertEquals(0, code, cli.err());
    Request post = cli.api.only("POST");
    assertEquals("api/v1/blueprints", post.path());
    JsonNode body = post.body();
    assertEquals("pool", body.get("name").asText());
    assertEquals("script-host", body.get("kind").asText());
    assertEquals("{\"provision\":\"/opt/p\",\"idleTtl\":\"10m\"}", body.get("config").toString());
    assertEquals(3, body.get("maxResources").asInt());
    assertTrue(cli.out().startsWith("id:"), cli.out());
  }

  @Test
  void addReadsTheConfigFromStdinForDash() {
    cli.stdin = "{\"workingCopies\": {\"maxCopies\": 2}}";

    assertEquals(0, cli.run("blueprint", "add", "b", "--kind", "static-host", "--config", "-"));

    JsonNode body = cli.api.only("POST").body();
    assertEquals("{\"workingCopies\":{\"maxCopies\":2}}", body.get("config").toString());
    assertFalse(body.has("maxResources"));
  }

  @Test
  void aConfigThatIsNoJsonObjectIsAUsageErrorAndSendsNothing(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("pool.yaml");
    Files.writeString(config, "provision: /opt/p\n");

    assertEquals(
        2,
        cli.run("blueprint", "add", "b", "--kind", "script-host", "--config", config.toString()));
    assertTrue(cli.err().contains("holds no JSON object"), cli.err());
    assertEquals(
        2,
        cli.run(
            "blueprint", "add", "b", "--kind", "script-host", "--config", dir + "/missing.json"));
    assertTrue(cli.err().contains("no such file"), cli.err());
    assertTrue(cli.api.requests.isEmpty(), cli.api.requests.toString());
  }

  @Test
  void listPrintsATable() {
    CliRun list = new CliRun(new FakeApi(request -> "[" + BLUEPRINT + "]"));

    assertEquals(0, list.run("blueprint", "list"));

    assertEquals("api/v1/blueprints", list.api.only("GET").path());
    List<String> lines = list.out().lines().toList();
    assertEquals("NAME  KIND         TYPE  ENABLED  MAX-RESOURCES", lines.get(0).strip());
    assertTrue(lines.get(1).startsWith("pool  script-host  host  true"), list.out());
  }

  @Test
  void showGetsOneByName() {
    assertEquals(0, cli.run("blueprint", "show", "my pool"));

    assertEquals("api/v1/blueprints/my%20pool", cli.api.only("GET").path());
    assertTrue(cli.out().contains("(inline script, 40 bytes)"), cli.out());
  }

  @Test
  void editPatchesOnlyWhatIsGiven(@TempDir Path dir) throws Exception {
    Path config = dir.resolve("change.json");
    Files.writeString(config, "{\"list\": null, \"minIdle\": 1}");

    assertEquals(
        0,
        cli.run(
            "blueprint", "edit", "pool", "--config", config.toString(), "--max-resources", "5"));

    Request patch = cli.api.only("PATCH");
    assertEquals("api/v1/blueprints/pool", patch.path());
    assertEquals(
        "{\"config\":{\"list\":null,\"minIdle\":1},\"maxResources\":5}", patch.body().toString());
  }

  @Test
  void editCanEnableAndNeedsSomethingToChange() {
    assertEquals(0, cli.run("blueprint", "edit", "pool", "--enable"));
    assertEquals("{\"enabled\":true}", cli.api.only("PATCH").body().toString());

    CliRun nothing = new CliRun(new FakeApi(request -> BLUEPRINT));
    assertEquals(2, nothing.run("blueprint", "edit", "pool"));
    assertTrue(nothing.err().contains("Nothing to change"), nothing.err());
  }

  @Test
  void disablePatchesEnabledFalse() {
    assertEquals(0, cli.run("blueprint", "disable", "pool"));

    Request patch = cli.api.only("PATCH");
    assertEquals("api/v1/blueprints/pool", patch.path());
    assertEquals("{\"enabled\":false}", patch.body().toString());
  }

  @Test
  void aRefusalPrintsTheApisMessageAndField() {
    CliRun refused =
        new CliRun(
            new FakeApi(
                request -> {
                  throw new ApiException(
                      400, "invalid-request", "config.idleTtl: not a duration", "config.idleTtl");
                }));

    assertEquals(1, refused.run("blueprint", "edit", "pool", "--max-resources", "2"));
    assertEquals(
        "slipway: config.idleTtl: not a duration (field: config.idleTtl)", refused.err().strip());
  }
}
