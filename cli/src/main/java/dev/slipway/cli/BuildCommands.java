package dev.slipway.cli;

import static dev.slipway.cli.ApiClient.path;
import static dev.slipway.cli.ApiClient.putIfGiven;

import dev.slipway.cli.ApiClient.Param;
import dev.slipway.cli.ApiClient.Reply;
import dev.slipway.cli.Args.Attr;
import dev.slipway.cli.Printer.Column;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code slipway build ...}: start, follow, list and abort builds ({@code /api/v1/builds}). */
@Command(
    name = "build",
    synopsisSubcommandLabel = "COMMAND",
    description = "Start, show, list and abort builds.")
final class BuildCommands {

  static final String BUILDS = "api/v1/builds";

  static final List<Column> TABLE =
      List.of(
          Column.of("ID", "id"),
          Column.of("PLAN", "plan"),
          Column.of("STATUS", "status"),
          Column.of("BRANCH", "branch"),
          Column.of("REQUESTED-BY", "requestedBy"),
          Column.of("CREATED", "createdAt"),
          Column.of("FINISHED", "finishedAt"));

  static final List<Column> STEPS =
      List.of(
          Column.of("STEP", "name"),
          Column.of("KIND", "kind"),
          Column.of("STATUS", "status"),
          Column.of("EXIT", "exitCode"),
          Column.of("STARTED", "startedAt"),
          Column.of("FINISHED", "finishedAt"),
          Column.of("REASON", "reason"));

  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Command(
      name = "start",
      description = {
        "Start a build of a plan and print its id.",
        "--follow: wait until it ends, print its log, exit 0 if it passed and 1 otherwise",
        "(it polls; a live log stream comes later). Ctrl-C stops following, not the build."
      })
  int start(
      @Option(names = "--plan", required = true, paramLabel = "PLAN", description = "The plan.")
          String plan,
      @Option(
              names = "--repository",
              paramLabel = "URL",
              description = "The repository working-copy steps check out.")
          String repository,
      @Option(names = "--branch", paramLabel = "BRANCH", description = "The branch to build.")
          String branch,
      @Option(names = "--commit", paramLabel = "SHA", description = "The commit to build.")
          String commit,
      @Option(
              names = "--var",
              paramLabel = "KEY=VALUE",
              converter = Args.AttrConverter.class,
              description = "A variable of the build (repeatable).")
          List<Attr> vars,
      @Option(
              names = "--plan-version",
              paramLabel = "N",
              description = "Run this version of the plan (default: its current one).")
          Integer planVersion,
      @Option(names = "--follow", description = "Wait for the end; print the log; exit with it.")
          boolean follow)
      throws InterruptedException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("plan", plan);
    if (planVersion != null) {
      body.put("planVersion", planVersion);
    }
    putIfGiven(body, "repository", repository);
    putIfGiven(body, "branch", branch);
    putIfGiven(body, "commit", commit);
    Map<String, String> variables = Main.pairs(spec.subcommands().get("start"), "--var", vars);
    if (!variables.isEmpty()) {
      body.put("variables", variables);
    }
    return started(main.api().post(BUILDS, body), follow);
  }

  @Command(
      name = "restart",
      description = {
        "Start a new build with the same plan version and inputs as build ID; print its id.",
        "--follow: as for start"
      })
  int restart(
      @Parameters(paramLabel = "ID") String id,
      @Option(names = "--follow", description = "Wait for the end; print the log; exit with it.")
          boolean follow)
      throws InterruptedException {
    return started(main.api().post(path(BUILDS, id) + "/restart", Map.of()), follow);
  }

  /** Prints the id of the build that {@code started} announces, or follows it to its end. */
  private int started(Reply started, boolean follow) throws InterruptedException {
    ApiClient api = main.api();
    Printer printer = main.printer();
    String id = started.json().path("id").asText();
    if (follow) {
      printer.note(
          "build " + id + " started; following it (Ctrl-C stops following, not the build)");
      return new BuildFollower(api, printer).follow(id);
    }
    if (main.json) {
      printer.record(started);
    } else {
      printer.line(id);
    }
    return 0;
  }

  @Command(name = "show", description = "Show a build and its steps.")
  int show(@Parameters(paramLabel = "ID") String id) {
    main.printer().recordWithTable(main.api().get(path(BUILDS, id)), "steps", STEPS);
    return 0;
  }

  @Command(
      name = "list",
      description = {
        "List builds, newest first.",
        "Fetches as many pages as --limit needs; --json prints {builds, next}."
      })
  int list(
      @Option(names = "--plan", paramLabel = "PLAN", description = "Only this plan's.") String plan,
      @Option(
              names = "--status",
              paramLabel = "STATUS",
              description = "pending, running, passed, failed, aborted or error.")
          String status,
      @Option(names = "--branch", paramLabel = "BRANCH", description = "Only of this branch.")
          String branch,
      @Option(
              names = "--requested-by",
              paramLabel = "WHO",
              description = "Only those this caller started, e.g. token:ci.")
          String requestedBy,
      @Option(
              names = "--limit",
              paramLabel = "N",
              defaultValue = "50",
              description = "At most this many (default ${DEFAULT-VALUE}).")
          int limit) {
    Pages.checkLimit(spec.subcommands().get("list"), limit);
    Reply builds =
        Pages.collect(
            main.api(),
            BUILDS,
            List.of(
                new Param("plan", plan),
                new Param("status", status),
                new Param("branch", branch),
                new Param("requestedBy", requestedBy)),
            "builds",
            limit);
    main.printer().table(builds, TABLE);
    return 0;
  }

  @Command(
      name = "abort",
      description = "Abort a build: stop its commands, release its leases; show it.")
  int abort(
      @Parameters(paramLabel = "ID") String id,
      @Option(names = "--reason", paramLabel = "TEXT", description = "Why (default: aborted).")
          String reason) {
    Map<String, Object> body = new LinkedHashMap<>();
    putIfGiven(body, "reason", reason);
    main.printer()
        .recordWithTable(main.api().post(path(BUILDS, id) + "/abort", body), "steps", STEPS);
    return 0;
  }

  /** A build's log as text. */
  static String log(ApiClient api, String id) {
    return api.getText(path(BUILDS, id) + "/log").body();
  }
}
