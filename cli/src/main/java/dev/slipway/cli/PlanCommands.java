package dev.slipway.cli;

import static dev.slipway.cli.ApiClient.path;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.cli.ApiClient.Reply;
import dev.slipway.cli.Printer.Column;
import dev.slipway.common.limits.Limits;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code slipway plan ...}: build plans ({@code /api/v1/plans}). */
@Command(
    name = "plan",
    synopsisSubcommandLabel = "COMMAND",
    description = "Save, list and show build plans (docs/plans.md).")
final class PlanCommands {

  static final String PLANS = "api/v1/plans";

  static final List<Column> TABLE =
      List.of(
          Column.of("NAME", "name"),
          Column.of("CREATED", "createdAt"),
          Column.of("UPDATED", "updatedAt"));

  static final List<Column> VERSIONS =
      List.of(
          Column.of("VERSION", "version"),
          Column.of("CREATED", "createdAt"),
          Column.of("CREATED BY", "createdBy"));

  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Command(
      name = "apply",
      description = {
        "Save the plan in FILE (YAML), creating it or replacing the plan of that name.",
        "The server checks it and refuses one that cannot run, naming the field.",
        "A changed YAML becomes the plan's next version; the same YAML again changes nothing.",
        "Prints the version the plan is at."
      })
  int apply(
      @Parameters(paramLabel = "FILE", description = "The plan's YAML.") Path file,
      @Option(
              names = "--name",
              paramLabel = "NAME",
              description = "The plan's name. Default: FILE's name without .yaml, .yml or .json.")
          String name) {
    String plan = name == null ? defaultName(file) : name;
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", plan);
    body.put("yaml", read(file));
    Reply saved = main.api().post(PLANS, body);
    Printer printer = main.printer();
    if (main.json) {
      printer.record(saved);
    } else {
      printer.line(savedLine(plan, saved));
    }
    return 0;
  }

  @Command(name = "list", description = "List plans: name, created, last updated.")
  int list() {
    main.printer().table(main.api().get(PLANS), TABLE);
    return 0;
  }

  @Command(
      name = "show",
      description = "Print a plan's YAML (--json: with its version and parsed steps).")
  int show(
      @Parameters(paramLabel = "NAME") String name,
      @Option(
              names = "--version",
              paramLabel = "N",
              description = "Show version N (see 'plan versions') instead of the current one.")
          Integer version,
      // --version here is the plan's, so picocli leaves out the inherited -h/-V: -h comes back
      @Option(
              names = {"-h", "--help"},
              usageHelp = true,
              description = "Show this help message and exit.")
          boolean help) {
    if (version != null && version < 1) {
      throw new ParameterException(
          spec.subcommands().get("show"),
          "Invalid value for option '--version': " + version + " is not a version (1, 2, ...)");
    }
    Reply plan =
        main.api()
            .get(
                version == null
                    ? path(PLANS, name)
                    : path(path(PLANS, name) + "/versions", version.toString()));
    Printer printer = main.printer();
    if (main.json) {
      printer.record(plan);
    } else {
      printer.document(plan.json().path("yaml").asText());
    }
    return 0;
  }

  @Command(
      name = "versions",
      description = "List a plan's versions, newest first: version, created, created by.")
  int versions(@Parameters(paramLabel = "NAME") String name) {
    main.printer().table(main.api().get(path(PLANS, name) + "/versions"), VERSIONS);
    return 0;
  }

  /** {@code plan build saved: version 3 (2 steps)}, or {@code unchanged} when nothing was saved. */
  static String savedLine(String plan, Reply saved) {
    JsonNode json = saved.json();
    String steps = "(" + json.path("steps").size() + " steps)";
    if (!json.hasNonNull("version")) {
      return "plan " + plan + " saved " + steps;
    }
    String version = "version " + json.path("version").asText();
    return json.path("changed").asBoolean(true)
        ? "plan " + plan + " saved: " + version + " " + steps
        : "plan " + plan + " unchanged: still " + version + " " + steps;
  }

  /** {@code ci/build.yaml} is plan {@code build}. */
  static String defaultName(Path file) {
    String base = file.getFileName().toString();
    return base.replaceFirst("\\.(ya?ml|json)$", "");
  }

  private String read(Path file) {
    String yaml;
    try {
      yaml = LocalFiles.read(file, Limits.PLAN_YAML);
    } catch (IOException e) {
      throw new ParameterException(
          spec.subcommands().get("apply"),
          "Invalid value for positional parameter 'FILE': cannot read "
              + file
              + (e instanceof NoSuchFileException ? ": no such file" : ": " + ApiClient.reason(e)));
    }
    if (yaml.length() > Limits.PLAN_YAML) { // the server refuses it too; this sends nothing
      throw new ParameterException(
          spec.subcommands().get("apply"),
          "Invalid value for positional parameter 'FILE': "
              + file
              + " is "
              + yaml.length()
              + " characters long; a plan is at most "
              + Limits.PLAN_YAML
              + " (docs/config.md, Limits)");
    }
    return yaml;
  }
}
