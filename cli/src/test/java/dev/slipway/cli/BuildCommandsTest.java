package dev.slipway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.cli.FakeApi.Request;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BuildCommandsTest {

  static String build(String status, String stepStatus, String reason) {
    return "{\"id\":\"build-1\",\"plan\":\"hello\",\"status\":\""
        + status
        + "\",\"reason\":"
        + (reason == null ? "null" : "\"" + reason + "\"")
        + ",\"branch\":\"main\",\"requestedBy\":\"token:ci\","
        + "\"createdAt\":\"2026-05-01T10:00:00Z\",\"steps\":["
        + "{\"name\":\"h\",\"kind\":\"lease-host\",\"status\":\"passed\",\"exitCode\":null},"
        + "{\"name\":\"hello\",\"kind\":\"run\",\"status\":\""
        + stepStatus
        + "\",\"exitCode\":"
        + ("failed".equals(stepStatus) ? "2" : "null")
        + "}]}";
  }

  static String summaries(int from, int count, String next) {
    StringBuilder items = new StringBuilder();
    for (int i = from; i < from + count; i++) {
      items
          .append(items.isEmpty() ? "" : ",")
          .append("{\"id\":\"build-")
          .append(i)
          .append("\",\"plan\":\"hello\",\"status\":\"passed\"}");
    }
    return "{\"builds\":["
        + items
        + "],\"next\":"
        + (next == null ? "null" : "\"" + next + "\"")
        + "}";
  }

  @Test
  void startSendsPlanRefsAndVariablesAndPrintsTheId() {
    CliRun cli = new CliRun(new FakeApi(request -> "{\"id\":\"build-1\",\"status\":\"pending\"}"));

    int code =
        cli.run(
            "build",
            "start",
            "--plan",
            "hello",
            "--repository",
            "https://example.com/r.git",
            "--branch",
            "main",
            "--commit",
            "abc123",
            "--var",
            "target=release",
            "--var",
            "jobs=4",
            "--plan-version",
            "3");

    assertEquals(0, code, cli.err());
    Request post = cli.api.only("POST");
    assertEquals("api/v1/builds", post.path());
    assertEquals(
        "{\"plan\":\"hello\",\"planVersion\":3,\"repository\":\"https://example.com/r.git\",\"branch\":\"main\","
            + "\"commit\":\"abc123\",\"variables\":{\"target\":\"release\",\"jobs\":\"4\"}}",
        post.body().toString());
    assertEquals("build-1" + System.lineSeparator(), cli.out());
  }

  @Test
  void aVariableGivenTwiceIsAUsageErrorNamingVar() {
    CliRun cli = new CliRun(new FakeApi(request -> "{}"));

    assertEquals(2, cli.run("build", "start", "--plan", "p", "--var", "a=1", "--var", "a=2"));

    assertTrue(cli.err().contains("'--var': 'a' is given twice"), cli.err());
    assertTrue(cli.api.requests.isEmpty());
  }

  @Test
  void anEmptyIdIsAUsageErrorAndSendsNothing() {
    CliRun cli = new CliRun(new FakeApi(request -> "[]"));

    assertEquals(2, cli.run("build", "show", ""));

    assertTrue(cli.err().contains("Invalid value for ID: an ID cannot be empty"), cli.err());
    assertTrue(cli.api.requests.isEmpty());
  }

  @Test
  void followPollsUntilTheEndPrintsTheLogAndExitsWithTheOutcome() {
    AtomicInteger polls = new AtomicInteger();
    List<String> states =
        List.of(
            build("running", "pending", null),
            build("running", "running", null),
            build("failed", "failed", "step hello failed: exit code 2"));
    CliRun cli =
        new CliRun(
            new FakeApi(
                request -> {
                  if (request.method().equals("POST")) {
                    return "{\"id\":\"build-1\",\"status\":\"pending\"}";
                  }
                  if (request.path().endsWith("/log")) {
                    return "hello\nbye\n";
                  }
                  return states.get(Math.min(polls.getAndIncrement(), states.size() - 1));
                }));

    int code = cli.run("build", "start", "--plan", "hello", "--follow");

    assertEquals(1, code, cli.err());
    assertEquals("hello\nbye\n", cli.out());
    assertEquals(
        List.of(
            "build build-1 started; following it (Ctrl-C stops following, not the build)",
            "build build-1 is running",
            "build build-1 is running: step hello",
            "slipway: build build-1 failed: step hello failed: exit code 2"),
        cli.err().lines().toList());
    assertEquals(
        "api/v1/builds/build-1/log", cli.api.requests.get(cli.api.requests.size() - 1).path());
  }

  @Test
  void followOfABuildThatPassesExitsZero() {
    CliRun cli =
        new CliRun(
            new FakeApi(
                request ->
                    request.path().endsWith("/log")
                        ? "ok\n"
                        : request.method().equals("POST")
                            ? "{\"id\":\"build-1\",\"status\":\"pending\"}"
                            : build("passed", "passed", null)));

    assertEquals(0, cli.run("build", "start", "--plan", "hello", "--follow"), cli.err());
    assertEquals("ok\n", cli.out());
  }

  @Test
  void showPrintsTheBuildThenItsSteps() {
    CliRun cli = new CliRun(new FakeApi(request -> build("failed", "failed", "exit code 2")));

    assertEquals(0, cli.run("build", "show", "build-1"), cli.err());

    assertEquals("api/v1/builds/build-1", cli.api.only("GET").path());
    String out = cli.out().replace(System.lineSeparator(), "\n");
    assertTrue(out.startsWith("id:          build-1\nplan:        hello\n"), out);
    assertTrue(
        out.endsWith(
            "\n\nSTEP   KIND        STATUS  EXIT  STARTED  FINISHED  REASON\n"
                + "h      lease-host  passed  -     -        -         -\n"
                + "hello  run         failed  2     -        -         -\n"),
        out);
    assertFalse(out.contains("steps:"), out);
  }

  @Test
  void listFollowsTheCursorUpToTheLimit() {
    CliRun cli =
        new CliRun(
            new FakeApi(
                request ->
                    request.path().contains("cursor=c1")
                        ? summaries(3, 2, "c2")
                        : summaries(1, 2, "c1")));

    assertEquals(
        0,
        cli.run("build", "list", "--plan", "hello", "--status", "passed", "--limit", "4"),
        cli.err());

    assertEquals(
        List.of(
            "api/v1/builds?plan=hello&status=passed&limit=4",
            "api/v1/builds?plan=hello&status=passed&limit=2&cursor=c1"),
        cli.api.requests.stream().map(Request::path).toList());
    List<String> lines = cli.out().lines().toList();
    assertEquals(5, lines.size(), cli.out());
    assertTrue(lines.get(0).startsWith("ID       PLAN   STATUS"), lines.get(0));
    assertTrue(lines.get(4).startsWith("build-4  hello  passed"), lines.get(4));
  }

  @Test
  void listStopsAtTheLastPageAndJsonHoldsEveryBuild() {
    CliRun cli = new CliRun(new FakeApi(request -> summaries(1, 3, null)));

    assertEquals(0, cli.run("--json", "build", "list"), cli.err());

    assertEquals("api/v1/builds?limit=50", cli.api.only("GET").path());
    JsonNode printed = ApiClient.read(cli.out());
    assertEquals(3, printed.get("builds").size());
    assertTrue(printed.get("next").isNull());
  }

  @Test
  void aLimitBelowOneIsAUsageError() {
    CliRun cli = new CliRun(new FakeApi(request -> summaries(1, 1, null)));

    assertEquals(2, cli.run("build", "list", "--limit", "0"));

    assertTrue(cli.err().contains("'--limit'"), cli.err());
    assertTrue(cli.api.requests.isEmpty());
  }

  @Test
  void abortSendsTheReasonAndShowsTheBuild() {
    CliRun cli = new CliRun(new FakeApi(request -> build("aborted", "aborted", "superseded")));

    assertEquals(0, cli.run("build", "abort", "build-1", "--reason", "superseded"), cli.err());

    Request post = cli.api.only("POST");
    assertEquals("api/v1/builds/build-1/abort", post.path());
    assertEquals("{\"reason\":\"superseded\"}", post.body().toString());
    assertTrue(cli.out().contains("status:      aborted"), cli.out());
  }

  @Test
  void restartPostsToTheBuildAndPrintsTheNewId() {
    CliRun cli = new CliRun(new FakeApi(request -> "{\"id\":\"build-2\",\"status\":\"pending\"}"));

    assertEquals(0, cli.run("build", "restart", "build-1"), cli.err());

    assertEquals("api/v1/builds/build-1/restart", cli.api.only("POST").path());
    assertEquals("build-2" + System.lineSeparator(), cli.out());
  }

  @Test
  void logsPrintsTheLogAsText() {
    CliRun cli = new CliRun(new FakeApi(request -> "[hello] line one\n[hello] line two"));

    assertEquals(0, cli.run("logs", "build-1"), cli.err());

    assertEquals("api/v1/builds/build-1/log", cli.api.only("GET").path());
    assertEquals("[hello] line one\n[hello] line two", cli.out(), "as the server sent it");
  }

  @Test
  void logsFollowAsksForTheStreamOfOneStep() {
    CliRun cli = new CliRun(new FakeApi(request -> "=== step test (run): running\n"));

    assertEquals(0, cli.run("logs", "-f", "--step", "test", "build-1"), cli.err());

    assertEquals("api/v1/builds/build-1/log?step=test&follow=true", cli.api.only("GET").path());
    assertEquals("=== step test (run): running\n", cli.out());
  }
}
