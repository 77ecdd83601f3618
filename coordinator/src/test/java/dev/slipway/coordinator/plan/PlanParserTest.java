package dev.slipway.coordinator.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PlanParserTest {

  private static final String VALID =
      """
      steps:
        - name: buildhost
          kind: lease-host
          attributes: {platform: linux, cpu: 32}
        - name: hello
          kind: run
          on: buildhost
          command: echo hi
          timeout: 90s
      """;

  @Test
  void readsStepsInOrderWithTheirFields() {
    List<StepSpec> steps = PlanParser.parse(VALID, 3600, false);
    assertEquals(2, steps.size());
    StepSpec.LeaseHost host = (StepSpec.LeaseHost) steps.get(0);
    assertEquals(Map.of("platform", "linux", "cpu", "32"), host.attributes());
    assertTrue(host.isLease());
    StepSpec.Run run = (StepSpec.Run) steps.get(1);
    assertEquals("buildhost", run.on());
    assertEquals("echo hi", run.command());
    assertEquals(90, run.timeoutSeconds());
  }

  @Test
  void runStepWithoutTimeoutGetsTheDefault() {
    String yaml =
        "steps:\n  - {name: h, kind: lease-host}\n  - {name: r, kind: run, on: h, command: x}\n";
    assertEquals(42, ((StepSpec.Run) PlanParser.parse(yaml, 42, false).get(1)).timeoutSeconds());
  }

  @Test
  void readsWorkingCopyStepsOnAHostStepOrByAttributesAndRunsOnThem() {
    String yaml =
        """
        steps:
          - {name: h, kind: lease-host}
          - {name: src, kind: lease-working-copy, host: h}
          - {name: other, kind: lease-working-copy, repository: /srv/x.git, ref: v1.2,
             attributes: {platform: linux}}
          - {name: r, kind: run, on: src, command: make}
        """;
    List<StepSpec> steps = PlanParser.parse(yaml, 60, true);
    StepSpec.LeaseWorkingCopy src = (StepSpec.LeaseWorkingCopy) steps.get(1);
    assertTrue(src.isLease());
    assertEquals("h", src.host());
    assertEquals(null, src.repository());
    assertEquals(null, src.ref());
    assertEquals(null, src.attributes());
    StepSpec.LeaseWorkingCopy other = (StepSpec.LeaseWorkingCopy) steps.get(2);
    assertEquals("/srv/x.git", other.repository());
    assertEquals("v1.2", other.ref());
    assertEquals(Map.of("platform", "linux"), other.attributes());
    assertEquals("src", steps.get(3).uses());
    PlanException refused =
        assertThrows(PlanException.class, () -> PlanParser.parse(yaml, 60, false));
    assertEquals("steps[2].repository", refused.body().field());
  }

  static Stream<Arguments> invalidPlans() {
    return Stream.of(
        Arguments.of("", "yaml", "required"),
        Arguments.of("steps: [\n  {name: a\n", "yaml", "line 3"),
        Arguments.of("steps:\n  - name: a\n   kind: run\n", "yaml", "line 3"),
        Arguments.of("nothing: here\n", "nothing", "unknown field 'nothing'"),
        Arguments.of("timeout: soon\nsteps: [{name: h, kind: lease-host}]\n", "timeout", "soon"),
        Arguments.of("steps: []\n", "steps", "non-empty list"),
        Arguments.of("steps:\n  - just text\n", "steps[0]", "mapping"),
        Arguments.of("steps:\n  - {kind: lease-host}\n", "steps[0].name", "needs 'name'"),
        Arguments.of(
            "steps:\n  - {name: Bad Name, kind: lease-host}\n", "steps[0].name", "must match"),
        Arguments.of(
            "steps:\n  - {name: a, kind: lease-host}\n  - {name: a, kind: lease-host}\n",
            "steps[1].name",
            "used twice"),
        Arguments.of("steps:\n  - {name: a, kind: teleport}\n", "steps[0].kind", "teleport"),
        Arguments.of(
            "steps:\n  - {name: a, kind: lease-host, attributes: [x]}\n",
            "steps[0].attributes",
            "mapping"),
        Arguments.of(
            "steps:\n  - {name: a, kind: lease-host, attributes: {1x: y}}\n",
            "steps[0].attributes",
            "1x"),
        Arguments.of(
            "steps:\n  - {name: r, kind: run, on: h, command: x}\n  - {name: h, kind: lease-host}\n",
            "steps[0].on",
            "not an earlier lease step"),
        Arguments.of(
            "steps:\n  - {name: h, kind: lease-host}\n  - {name: r, kind: run, on: h, command: x}\n"
                + "  - {name: s, kind: run, on: r, command: y}\n",
            "steps[2].on",
            "'r'"),
        Arguments.of(
            "steps:\n  - {name: h, kind: lease-host}\n  - {name: r, kind: run, on: h}\n",
            "steps[1].command",
            "needs 'command'"),
        Arguments.of(
            "steps:\n  - {name: h, kind: lease-host}\n"
                + "  - {name: r, kind: run, on: h, command: x, timeout: soon}\n",
            "steps[1].timeout",
            "not a duration"),
        Arguments.of(
            "steps:\n  - {name: w, kind: lease-working-copy, host: h}\n",
            "steps[0].host",
            "not an earlier lease-host step"),
        Arguments.of(
            "steps:\n  - {name: h, kind: lease-host}\n"
                + "  - {name: w, kind: lease-working-copy, host: h, attributes: {a: b}}\n",
            "steps[1].host",
            "give one"),
        Arguments.of(
            "steps:\n  - {name: w, kind: lease-working-copy, ref: --upload-pack=x}\n",
            "steps[0].ref",
            "leading '-'"),
        Arguments.of(
            "steps:\n  - {name: w, kind: lease-working-copy, ref: 'a..b'}\n",
            "steps[0].ref",
            "no '..'"),
        Arguments.of(
            "steps:\n  - {name: w, kind: lease-working-copy, repository: -oProxy}\n",
            "steps[0].repository",
            "must not start with '-'"),
        Arguments.of(
            "steps:\n  - {name: h, kind: lease-host, atributes: {a: b}}\n",
            "steps[0].atributes",
            "unknown field 'atributes'"),
        Arguments.of(
            "steps:\n  - {name: h, kind: lease-host}\n"
                + "  - {name: r, kind: run, on: h, command: x, env: {A: b}, when: always}\n",
            "steps[1].when",
            "unknown field"),
        Arguments.of(
            "steps:\n  - {name: h, kind: lease-host}\n"
                + "  - {name: r, kind: run, on: h, command: 'echo ${secret}'}\n",
            "steps[1].command",
            "unknown variable ${secret}"),
        Arguments.of(
            "steps:\n  - {name: h, kind: lease-host}\n"
                + "  - {name: r, kind: run, on: h, command: 'echo ${not closed'}\n",
            "steps[1].command",
            "not a placeholder"),
        Arguments.of(
            "steps:\n  - {name: h, kind: lease-host}\n"
                + "  - {name: r, kind: run, on: h, command: x, env: {1A: b}}\n",
            "steps[1].env.1A",
            "names"),
        Arguments.of(
            "steps:\n  - {name: h, kind: lease-host}\n"
                + "  - {name: r, kind: run, on: h, command: x, env: {A: [b]}}\n",
            "steps[1].env.A",
            "strings"),
        Arguments.of(
            "steps:\n  - {name: h, kind: lease-host}\n"
                + "  - {name: r, kind: run, on: h, command: x, env: {A: '${build.ids}'}}\n",
            "steps[1].env.A",
            "unknown variable ${build.ids}"),
        Arguments.of(
            "steps:\n  - {name: h, kind: lease-host}\n"
                + "  - {name: r, kind: run, on: h, command: x, depends_on: [nowhere]}\n",
            "steps[1].depends_on[0]",
            "'nowhere', which is no step"),
        Arguments.of(
            "steps:\n  - {name: h, kind: lease-host}\n"
                + "  - {name: r, kind: run, on: h, command: x, depends_on: r}\n",
            "steps[1].depends_on",
            "list"),
        Arguments.of(
            "steps:\n  - {name: h, kind: lease-host}\n"
                + "  - {name: a, kind: run, on: h, command: x, depends_on: [b]}\n"
                + "  - {name: b, kind: run, on: h, command: x, depends_on: [a]}\n",
            "steps[1].depends_on",
            "cycle: a -> b -> a"),
        Arguments.of(
            "steps:\n  - {name: h, kind: lease-host}\n"
                + "  - {name: r, kind: run, on: h, command: x, if: sometimes}\n",
            "steps[1].if",
            "one of"),
        Arguments.of(
            "steps:\n  - {name: h, kind: lease-host}\n"
                + "  - {name: u, kind: upload-artifact, from: nowhere, path: a, artifact: a}\n",
            "steps[1].from",
            "not an earlier lease step"),
        Arguments.of(
            "steps:\n  - {name: h, kind: lease-host}\n"
                + "  - {name: u, kind: upload-artifact, from: h, path: ../x, artifact: a}\n",
            "steps[1].path",
            "'..'"),
        Arguments.of(
            "steps:\n  - {name: h, kind: lease-host}\n"
                + "  - {name: u, kind: upload-artifact, from: h, path: /etc/passwd, artifact: a}\n",
            "steps[1].path",
            "absolute"),
        Arguments.of(
            "steps:\n  - {name: h, kind: lease-host}\n"
                + "  - {name: u, kind: upload-artifact, from: h, path: '${nope}', artifact: a}\n",
            "steps[1].path",
            "unknown variable ${nope}"),
        Arguments.of(
            "steps:\n  - {name: h, kind: lease-host}\n"
                + "  - {name: u, kind: upload-artifact, from: h, path: a, artifact: 'a/b'}\n",
            "steps[1].artifact",
            "artifact name"),
        Arguments.of(
            "steps:\n  - {name: h, kind: lease-host}\n"
                + "  - {name: u, kind: upload-artifact, from: h, path: a, artifact: a,"
                + " timeout: 1m}\n",
            "steps[1].timeout",
            "unknown field 'timeout'"),
        Arguments.of(
            "steps:\n  - {name: h, kind: lease-host}\n"
                + "  - {name: d, kind: download-artifact, artifact: app, on: h}\n",
            "steps[1].artifact",
            "no upload-artifact step"),
        Arguments.of(
            "steps:\n  - {name: h, kind: lease-host}\n"
                + "  - {name: d, kind: download-artifact, artifact: app, on: h, depends_on: []}\n"
                + "  - {name: u, kind: upload-artifact, from: h, path: a, artifact: app}\n",
            "steps[1].artifact",
            "may run before step 'u'"),
        Arguments.of(
            "steps:\n  - {name: h, kind: lease-host}\n"
                + "  - {name: u, kind: upload-artifact, from: h, path: a, artifact: app}\n"
                + "  - {name: v, kind: upload-artifact, from: h, path: b, artifact: app}\n",
            "steps[2].artifact",
            "uploaded by steps 'u' and 'v'"),
        Arguments.of(
            "steps:\n  - {name: h, kind: lease-host}\n"
                + "  - {name: u, kind: upload-artifact, from: h, path: a, artifact: app.jar}\n"
                + "  - {name: v, kind: upload-artifact, from: h, path: b, artifact: App.jar}\n",
            "steps[2].artifact",
            "differing only in case"),
        Arguments.of(
            "steps:\n  - {name: h, kind: lease-host}\n"
                + "  - {name: u, kind: upload-artifact, from: h, path: a, artifact: app.jar}\n"
                + "  - {name: d, kind: download-artifact, artifact: App.jar, on: h}\n",
            "steps[2].artifact",
            "uploads it as 'app.jar'"),
        Arguments.of(
            "steps:\n  - {name: h, kind: lease-host}\n"
                + "  - {name: u, kind: upload-artifact, from: h, path: \"a\\nb\", artifact: a}\n",
            "steps[1].path",
            "control character"),
        Arguments.of(
            "steps:\n  - {name: h, kind: lease-host}\n"
                + "  - {name: u, kind: upload-artifact, from: h, path: 'out/[a-', artifact: a}\n",
            "steps[1].path",
            "out/[a-"));
  }

  @Test
  void artifactStepsNameTheirLeaseAndTheDownloadWaitsForTheUploadThroughOtherSteps() {
    String yaml =
        """
        steps:
          - {name: linux, kind: lease-host, attributes: {platform: linux}}
          - {name: win, kind: lease-host, attributes: {platform: windows}, depends_on: []}
          - {name: build, kind: run, on: linux, command: make}
          - {name: keep, kind: upload-artifact, from: linux, path: 'out/*.bin', artifact: bin}
          - {name: note, kind: run, on: linux, command: 'echo kept'}
          - name: fetch
            kind: download-artifact
            artifact: bin
            on: win
            path: 'in/${build.number}'
        """;
    List<StepSpec> steps = PlanParser.parse(yaml, 60, false);
    StepSpec.UploadArtifact upload = (StepSpec.UploadArtifact) steps.get(3);
    assertEquals("linux", upload.from());
    assertEquals("out/*.bin", upload.path());
    assertEquals("bin", upload.artifact());
    assertEquals(List.of("build", "linux"), upload.dependsOn());
    StepSpec.DownloadArtifact download = (StepSpec.DownloadArtifact) steps.get(5);
    assertEquals("win", download.on());
    assertEquals(List.of("note", "win"), download.dependsOn()); // 'keep' through 'note'
    assertEquals(List.of("build.number"), List.copyOf(Variables.used(List.of(download))));
  }

  @Test
  void theWorkedExampleInTheDocsIsAValidPlan() throws Exception {
    String docs = java.nio.file.Files.readString(java.nio.file.Path.of("../docs/plans.md"));
    String from = docs.substring(docs.indexOf("## Example: build on linux"));
    String yaml = from.substring(from.indexOf("```yaml\n") + 8, from.indexOf("```\n", 10));
    List<StepSpec> steps = PlanParser.parse(yaml, 60, false);
    assertEquals(9, steps.size());
    assertEquals(List.of("keep", "warm-up", "windows"), steps.get(6).dependsOn());
  }

  @Test
  void stepsSurviveTheirJsonRoundTripAsTheirOwnKind() throws Exception {
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    for (StepSpec step : PlanParser.parse(VALID, 60, false)) {
      String json = mapper.writeValueAsString(step);
      assertTrue(json.contains("\"kind\":\"" + step.kind() + "\""), json);
      assertEquals(step, mapper.readValue(json, StepSpec.class));
    }
    // a row stored before steps had types keeps working
    StepSpec old =
        mapper.readValue(
            "{\"name\":\"r\",\"kind\":\"run\",\"on\":\"h\",\"command\":\"x\","
                + "\"timeoutSeconds\":5,\"host\":null,\"attributes\":null}",
            StepSpec.class);
    assertEquals(new StepSpec.Run("r", "h", "x", 5, null, null, null), old);
  }

  @Test
  void aStepWaitsForTheOneBeforeItUnlessItSaysOtherwiseAndAlwaysForWhatItRunsOn() {
    String yaml =
        """
        steps:
          - {name: h1, kind: lease-host}
          - {name: h2, kind: lease-host, depends_on: []}
          - {name: a, kind: run, on: h1, command: x, depends_on: []}
          - {name: b, kind: run, on: h2, command: x}
          - {name: report, kind: run, on: h1, command: x, depends_on: [a, b], if: always}
        """;
    List<StepSpec> steps = PlanParser.parse(yaml, 60, false);
    assertEquals(List.of(), steps.get(0).dependsOn());
    assertEquals(List.of(), steps.get(1).dependsOn());
    assertEquals(List.of("h1"), steps.get(2).dependsOn());
    assertEquals(List.of("a", "h2"), steps.get(3).dependsOn());
    assertEquals(List.of("a", "b", "h1"), steps.get(4).dependsOn());
    assertEquals(StepSpec.ALWAYS, steps.get(4).condition());
    assertEquals(StepSpec.ON_SUCCESS, steps.get(3).condition());
  }

  @Test
  void runStepsTakeAnEnvironmentAndVariables() {
    String yaml =
        """
        steps:
          - {name: h, kind: lease-host}
          - name: r
            kind: run
            on: h
            command: echo ${build.id} ${build.number} ${commit} ${branch} ${vars.who} $${HOME}
            env: {GREETING: 'hi ${vars.who} on ${step.name}', PLAIN: x}
        """;
    StepSpec.Run run = (StepSpec.Run) PlanParser.parse(yaml, 60, false).get(1);
    assertEquals(Map.of("GREETING", "hi ${vars.who} on ${step.name}", "PLAIN", "x"), run.env());
    assertEquals(
        List.of("build.id", "build.number", "commit", "branch", "vars.who", "step.name"),
        List.copyOf(Variables.used(List.of(run))));
  }

  @ParameterizedTest(name = "{1}: {2}")
  @MethodSource("invalidPlans")
  void refusesInvalidPlansNamingTheField(String yaml, String field, String message) {
    PlanException e = assertThrows(PlanException.class, () -> PlanParser.parse(yaml, 60, false));
    assertEquals(field, e.body().field());
    assertTrue(e.getMessage().contains(message), e.getMessage());
    assertEquals(400, e.status());
  }

  /** A NUL cannot be stored in a build's step specs (jsonb): the plan is refused when saved. */
  @ParameterizedTest(name = "{1}")
  @MethodSource("plansWithANul")
  void aNulAnywhereInThePlanIsRefusedNamingTheField(String yaml, String field) {
    PlanException e = assertThrows(PlanException.class, () -> PlanParser.parse(yaml, 60, false));
    assertEquals(field, e.body().field());
    assertEquals("invalid-plan", e.body().error());
    assertTrue(e.getMessage().contains("NUL"), e.getMessage());
    assertTrue(e.getMessage().indexOf('\0') < 0, "the message repeats no NUL");
  }

  static Stream<Arguments> plansWithANul() {
    String host = "steps:\n  - {name: h, kind: lease-host, attributes: {platform: %s}}\n";
    String run = host.formatted("linux") + "  - {name: r, kind: run, on: h, command: %s}\n";
    return Stream.of(
        Arguments.of(run.formatted("\"echo hi\\u0000there\""), "steps[1].command"),
        Arguments.of(run.formatted("\"echo hi\\0\""), "steps[1].command"),
        Arguments.of(host.formatted("\"linux\\u0000\""), "steps[0].attributes.platform"),
        Arguments.of(
            host.formatted("linux")
                + "  - {name: r, kind: run, on: h, command: x,"
                + " env: {A: \"\\0\"}}\n",
            "steps[1].env.A"),
        Arguments.of(
            host.formatted("linux")
                + "  - {name: r, kind: run, on: h, command: x,"
                + " env: {\"A\\0\": b}}\n",
            "steps[1].env"),
        Arguments.of(
            host.formatted("linux") + "  - {name: w, kind: wait, depends_on: [\"h\\0\"]}\n",
            "steps[1].depends_on[0]"),
        Arguments.of("steps: []\n\"x\\0\": 1\n", "yaml"));
  }

  @Test
  void leaseHostStepsOfOneGroupAreReadWithTheirGroup() {
    String yaml =
        """
        steps:
          - {name: linux, kind: lease-host, attributes: {platform: linux}, group: it}
          - {name: win, kind: lease-host, attributes: {platform: windows}, group: it,
             depends_on: []}
          - {name: alone, kind: lease-host, depends_on: []}
          - {name: r, kind: run, on: linux, command: make, depends_on: [win]}
        """;
    List<StepSpec> steps = PlanParser.parse(yaml, 60, false);
    assertEquals("it", ((StepSpec.LeaseHost) steps.get(0)).group());
    assertEquals("it", ((StepSpec.LeaseHost) steps.get(1)).group());
    assertEquals(null, ((StepSpec.LeaseHost) steps.get(2)).group());
  }

  @Test
  void aGroupStepThatWaitsForAnotherOfItsGroupIsRefusedNamingIt() {
    String byDefault =
        """
        steps:
          - {name: linux, kind: lease-host, group: it}
          - {name: win, kind: lease-host, group: it}
        """;
    PlanException refused =
        assertThrows(PlanException.class, () -> PlanParser.parse(byDefault, 60, false));
    assertEquals("steps[1].depends_on", refused.body().field());
    assertTrue(refused.getMessage().contains("'win'"), refused.getMessage());
    String throughAnother =
        """
        steps:
          - {name: linux, kind: lease-host, group: it}
          - {name: w, kind: wait, timeout: 1s}
          - {name: win, kind: lease-host, group: it, depends_on: [w]}
        """;
    refused = assertThrows(PlanException.class, () -> PlanParser.parse(throughAnother, 60, false));
    assertEquals("steps[2].depends_on", refused.body().field());
  }

  @Test
  void aGroupOfOneStepOrABadGroupNameIsRefused() {
    PlanException refused =
        assertThrows(
            PlanException.class,
            () ->
                PlanParser.parse(
                    "steps:\n  - {name: h, kind: lease-host, group: it}\n", 60, false));
    assertEquals("steps[0].group", refused.body().field());
    refused =
        assertThrows(
            PlanException.class,
            () ->
                PlanParser.parse(
                    "steps:\n  - {name: h, kind: lease-host, group: 'Not A Name'}\n", 60, false));
    assertEquals("steps[0].group", refused.body().field());
    refused =
        assertThrows(
            PlanException.class,
            () -> PlanParser.parse("steps:\n  - {name: r, kind: wait, group: it}\n", 60, false));
    assertEquals("steps[0].group", refused.body().field());
  }
}
