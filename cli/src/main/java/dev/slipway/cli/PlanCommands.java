package dev.slipway.cli;

import static dev.slipway.cli.ApiClient.path;

import dev.slipway.cli.ApiClient.Reply;
import dev.slipway.cli.Printer.Column;
import java.io.IOException;
import java.nio.file.Files;
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

  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Command(
      name = "apply",
      description = {
        "Save the plan in FILE (YAML), creating it or replacing the plan of that name.",
        "The server checks it and refuses one that cannot run, naming the field."
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
      printer.line("plan " + plan + " saved (" + saved.json().path("steps").size() + " steps)");
    }
    return 0;
  }

  @Command(name = "list", description = "List plans: name, created, last updated.")
  int list() {
    main.printer().table(main.api().get(PLANS), TABLE);
    return 0;
  }

  @Command(name = "show", description = "Print a plan's YAML (--json: with its parsed steps).")
  int show(@Parameters(paramLabel = "NAME") String name) {
    Reply plan = main.api().get(path(PLANS, name));
    Printer printer = main.printer();
    if (main.json) {
      printer.record(plan);
    } else {
      printer.text(plan.json().path("yaml").asText());
    }
    return 0;
  }

  /** {@code ci/build.yaml} is plan {@code build}. */
  static String defaultName(Path file) {
    String base = file.getFileName().toString();
    return base.replaceFirst("\\.(ya?ml|json)$", "");
  }

  private String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new ParameterException(
          spec.subcommands().get("apply"),
          "Invalid value for positional parameter 'FILE': cannot read "
              + file
              + (e instanceof NoSuchFileException ? ": no such file" : ": " + ApiClient.reason(e)));
    }
  }
}
