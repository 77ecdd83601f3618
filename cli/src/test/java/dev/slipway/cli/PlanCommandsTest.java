package dev.slipway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.cli.ApiClient.ApiException;
import dev.slipway.cli.FakeApi.Request;
import dev.slipway.common.limits.Limits;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanCommandsTest {

  static final String YAML =
      "steps:\n  - {name: h, kind: lease-host}\n  - {name: t, kind: run, on: h, command: make}\n";
  static final String SAVED = saved(3, true);

  /** The API's answer to a save, or to a GET of the plan ({@code changed} is left out then). */
  static String saved(int version, Boolean changed) {
    return "{\"name\":\"build\",\"version\":"
        + version
        + (changed == null ? "" : ",\"changed\":" + changed)
        + ",\"yaml\":"
        + ApiClient.write(YAML)
        + ",\"steps\":[{\"name\":\"h\"},{\"name\":\"t\"}]}";
  }

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
    assertEquals("plan build saved: version 3 (2 steps)" + System.lineSeparator(), cli.out());
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
  void aFileOverThePlanLimitIsAUsageErrorAndSendsNothing() throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("huge.yaml"), YAML + "# " + "x".repeat(Limits.PLAN_YAML) + "\n");
    CliRun cli = new CliRun(new FakeApi(request -> SAVED));

    assertEquals(2, cli.run("plan", "apply", file.toString()));

    assertTrue(cli.err().contains("a plan is at most " + Limits.PLAN_YAML), cli.err());
    assertTrue(cli.api.requests.isEmpty());
  }

  @Test
  void anEndlessFileIsAUsageErrorNotAnOutOfMemoryError() {
    CliRun cli = new CliRun(new FakeApi(request -> SAVED));

    assertEquals(2, cli.run("plan", "apply", "--name", "zero", "/dev/zero"));

    assertTrue(
        cli.err().contains("cannot read /dev/zero: larger than " + 4 * Limits.PLAN_YAML + " bytes"),
        cli.err());
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

  @Test
  void applySaysWhenTheYamlWasAlreadyTheCurrentVersion() throws Exception {
    Path file = Files.writeString(dir.resolve("build.yaml"), YAML);
    CliRun cli = new CliRun(new FakeApi(request -> saved(3, false)));

    assertEquals(0, cli.run("plan", "apply", file.toString()), cli.err());

    assertEquals(
        "plan build unchanged: still version 3 (2 steps)" + System.lineSeparator(), cli.out());
  }

  @Test
  void applyToAServerWithoutVersionsSaysSavedOnly() throws Exception {
    Path file = Files.writeString(dir.resolve("build.yaml"), YAML);
    String unversioned =
        "{\"name\":\"build\",\"yaml\":\"x\",\"steps\":[{\"name\":\"h\"},{\"name\":\"t\"}]}";
    CliRun cli = new CliRun(new FakeApi(request -> unversioned));

    assertEquals(0, cli.run("plan", "apply", file.toString()), cli.err());

    assertEquals("plan build saved (2 steps)" + System.lineSeparator(), cli.out());
  }

  @Test
  void applyWithJsonPrintsTheVersionAndWhetherItChanged() throws Exception {
    Path file = Files.writeString(dir.resolve("build.yaml"), YAML);
    CliRun cli = new CliRun(new FakeApi(request -> saved(2, true)));

    assertEquals(0, cli.run("plan", "apply", file.toString(), "--json"), cli.err());

    assertEquals(2, ApiClient.read(cli.out()).get("version").asInt());
    assertTrue(ApiClient.read(cli.out()).get("changed").asBoolean());
  }

  @Test
  void showWithVersionFetchesThatVersion() {
    String older = "steps:\n  - {name: h, kind: lease-host}\n";
    CliRun cli =
        new CliRun(
            new FakeApi(
                request ->
                    "{\"name\":\"build\",\"version\":2,\"current\":false,\"yaml\":"
                        + ApiClient.write(older)
                        + ",\"steps\":[{\"name\":\"h\"}]}"));

    assertEquals(0, cli.run("plan", "show", "build", "--version", "2"), cli.err());

    assertEquals("api/v1/plans/build/versions/2", cli.api.only("GET").path());
    assertEquals(older, cli.out());
  }

  @Test
  void showEncodesTheNameInTheVersionPath() {
    CliRun cli = new CliRun(new FakeApi(request -> saved(1, null)));

    assertEquals(0, cli.run("plan", "show", "a b", "--version", "1"), cli.err());

    assertEquals("api/v1/plans/a%20b/versions/1", cli.api.only("GET").path());
  }

  @Test
  void showRefusesAVersionBelowOneAndSendsNothing() {
    CliRun cli = new CliRun(new FakeApi(request -> SAVED));

    assertEquals(2, cli.run("plan", "show", "build", "--version", "0"));
    assertEquals(2, cli.run("plan", "show", "build", "--version", "two"));

    assertTrue(cli.err().contains("'--version'"), cli.err());
    assertTrue(cli.api.requests.isEmpty());
  }

  @Test
  void anUnknownVersionShowsTheServersMessage() {
    CliRun cli =
        new CliRun(
            new FakeApi(
                request -> {
                  throw new ApiException(
                      404,
                      "not-found",
                      "plan 'build' has no version 9 (its versions are 1 to 3)",
                      "version");
                }));

    assertEquals(1, cli.run("plan", "show", "build", "--version", "9"));

    assertEquals(
        "slipway: plan 'build' has no version 9 (its versions are 1 to 3) (field: version)",
        cli.err().strip());
  }

  @Test
  void showStillHasHelpAndTheGlobalOptions() {
    CliRun cli = new CliRun(new FakeApi(request -> saved(3, null)));

    assertEquals(0, cli.run("plan", "show", "--help"), cli.err());
    assertTrue(cli.out().contains("--version=N"), cli.out());
    assertTrue(cli.out().contains("--help"), cli.out());

    assertEquals(0, cli.run("plan", "show", "build", "--json"), cli.err());
    assertTrue(cli.out().contains("\"version\":3"), cli.out());
  }

  @Test
  void versionsPrintsATableNewestFirst() {
    CliRun cli =
        new CliRun(
            new FakeApi(
                request ->
                    "[{\"version\":2,\"createdAt\":\"2026-05-02T10:00:00Z\","
                        + "\"createdBy\":\"token:ci\"},"
                        + "{\"version\":1,\"createdAt\":\"2026-05-01T10:00:00Z\","
                        + "\"createdBy\":null}]"));

    assertEquals(0, cli.run("plan", "versions", "build"), cli.err());

    assertEquals("api/v1/plans/build/versions", cli.api.only("GET").path());
    String[] lines = cli.out().split(System.lineSeparator());
    assertEquals(3, lines.length, cli.out());
    assertTrue(lines[0].matches("VERSION +CREATED +CREATED BY *"), lines[0]);
    assertTrue(lines[1].matches("2 +2026-05-02T10:00:00Z +token:ci *"), lines[1]);
    assertTrue(lines[2].startsWith("1 "), lines[2]);
  }
}
