package dev.slipway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.cli.ApiClient.ApiException;
import dev.slipway.cli.FakeApi.Request;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanCommandsTest {

  static final String YAML =
      "steps:\n  - {name: h, kind: lease-host}\n  - {name: t, kind: run, on: h, command: make}\n";
  static final String SAVED =
      "{\"name\":\"build\",\"yaml\":"
          + ApiClient.write(YAML)
          + ",\"steps\":[{\"name\":\"h\"},{\"name\":\"t\"}]}";

  @TempDir Path dir;

  @Test
  void applySendsTheFileUnderItsBaseName() throws Exception {
    Path file = Files.writeString(dir.resolve("build.yaml"), YAML);
    CliRun cli = new CliRun(new FakeApi(request -> SAVED));

    assertEquals(0, cli.run("plan", "apply", file.toString()), cli.err());

    Request post = cli.api.only("POST");
    assertEquals("api/v1/plans", post.path());
    assertEquals("build", post.body().get("name").asText());
    assertEquals(YAML, post.body().get("yaml").asText());
    assertEquals("plan build saved (2 steps)" + System.lineSeparator(), cli.out());
  }

  @Test
  void applyTakesAnotherName() throws Exception {
    Path file = Files.writeString(dir.resolve("ci.yml"), YAML);
    CliRun cli = new CliRun(new FakeApi(request -> SAVED));

    assertEquals(0, cli.run("plan", "apply", file.toString(), "--name", "nightly"), cli.err());

    assertEquals("nightly", cli.api.only("POST").body().get("name").asText());
  }

  @Test
  void defaultNameDropsTheExtensionOnly() {
    assertEquals("build", PlanCommands.defaultName(Path.of("ci/build.yaml")));
    assertEquals("build", PlanCommands.defaultName(Path.of("build.yml")));
    assertEquals("build", PlanCommands.defaultName(Path.of("build.json")));
    assertEquals("build.v2", PlanCommands.defaultName(Path.of("build.v2")));
  }

  @Test
  void aMissingFileIsAUsageErrorAndSendsNothing() {
    CliRun cli = new CliRun(new FakeApi(request -> SAVED));

    assertEquals(2, cli.run("plan", "apply", dir.resolve("nope.yaml").toString()));

    assertTrue(cli.err().contains("nope.yaml: no such file"), cli.err());
    assertTrue(cli.api.requests.isEmpty());
  }

  @Test
  void anInvalidPlanShowsTheFieldTheServerNamed() throws Exception {
    Path file = Files.writeString(dir.resolve("bad.yaml"), "steps: []\n");
    CliRun cli =
        new CliRun(
            new FakeApi(
                request -> {
                  throw new ApiException(
                      400, "invalid-plan", "a plan needs at least one step", "steps");
                }));

    assertEquals(1, cli.run("plan", "apply", file.toString()));

    assertEquals("slipway: a plan needs at least one step (field: steps)", cli.err().strip());
  }

  @Test
  void listPrintsNamesAndTimes() {
    CliRun cli =
        new CliRun(
            new FakeApi(
                request ->
                    "[{\"name\":\"build\",\"createdAt\":\"2026-05-01T10:00:00Z\","
                        + "\"updatedAt\":\"2026-05-02T10:00:00Z\"}]"));

    assertEquals(0, cli.run("plan", "list"), cli.err());

    assertEquals("api/v1/plans", cli.api.only("GET").path());
    assertEquals(
        "NAME   CREATED               UPDATED\n"
            + "build  2026-05-01T10:00:00Z  2026-05-02T10:00:00Z\n",
        cli.out().replace(System.lineSeparator(), "\n"));
  }

  @Test
  void showPrintsTheYamlAsSaved() {
    CliRun cli = new CliRun(new FakeApi(request -> SAVED));

    assertEquals(0, cli.run("plan", "show", "build"), cli.err());

    assertEquals("api/v1/plans/build", cli.api.only("GET").path());
    assertEquals(YAML, cli.out());
  }
}
