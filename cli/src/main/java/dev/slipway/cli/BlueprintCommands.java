package dev.slipway.cli;

import static dev.slipway.cli.ApiClient.path;

import com.fasterxml.jackson.databind.JsonNode;
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

/** {@code slipway blueprint ...}: what makes resources ({@code /api/v1/blueprints}). */
@Command(
    name = "blueprint",
    synopsisSubcommandLabel = "COMMAND",
    description = "Add, list, show, change and disable blueprints (what makes hosts).")
final class BlueprintCommands {

  static final String BLUEPRINTS = "api/v1/blueprints";

  static final List<Column> TABLE =
      List.of(
          Column.of("NAME", "name"),
          Column.of("KIND", "kind"),
          Column.of("TYPE", "type"),
          Column.of("ENABLED", "enabled"),
          Column.of("MAX-RESOURCES", "maxResources"));

  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Command(name = "add", description = "Add a blueprint; prints it.")
  int add(
      @Parameters(paramLabel = "NAME", description = "Unique name.") String name,
      @Option(
              names = "--kind",
              required = true,
              paramLabel = "KIND",
              description = "static-host or script-host.")
          String kind,
      @Option(
              names = "--config",
              paramLabel = "FILE",
              description = "Its config, a JSON object; - reads it from stdin.")
          String config,
      @Option(names = "--max-resources", paramLabel = "N", description = "Resources alive at once.")
          Integer maxResources) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", name);
    body.put("kind", kind);
    if (config != null) {
      body.put("config", readConfig("add", config));
    }
    if (maxResources != null) {
      body.put("maxResources", maxResources);
    }
    main.printer().record(main.api().post(BLUEPRINTS, body));
    return 0;
  }

  @Command(name = "list", description = "List the blueprints.")
  int list() {
    main.printer().table(main.api().get(BLUEPRINTS), TABLE);
    return 0;
  }

  @Command(name = "show", description = "Show one blueprint (inline scripts only to admins).")
  int show(@Parameters(paramLabel = "NAME") String name) {
    main.printer().record(main.api().get(path(BLUEPRINTS, name)));
    return 0;
  }

  @Command(
      name = "edit",
      description = {
        "Change a blueprint.",
        "--config merges the file's top-level keys into its config; a key set to null is removed."
      })
  int edit(
      @Parameters(paramLabel = "NAME") String name,
      @Option(
              names = "--config",
              paramLabel = "FILE",
              description = "Config keys to set (a JSON object); - reads it from stdin.")
          String config,
      @Option(names = "--max-resources", paramLabel = "N", description = "Resources alive at once.")
          Integer maxResources,
      @Option(names = "--enable", description = "Let it make resources again.") boolean enable) {
    Map<String, Object> body = new LinkedHashMap<>();
    if (config != null) {
      body.put("config", readConfig("edit", config));
    }
    if (maxResources != null) {
      body.put("maxResources", maxResources);
    }
    if (enable) {
      body.put("enabled", true);
    }
    if (body.isEmpty()) {
      throw new ParameterException(
          spec.subcommands().get("edit"),
          "Nothing to change: give --config, --max-resources or --enable");
    }
    main.printer().record(main.api().patch(path(BLUEPRINTS, name), body));
    return 0;
  }

  @Command(
      name = "disable",
      description = "Let a blueprint make no more resources (those it made stay).")
  int disable(@Parameters(paramLabel = "NAME") String name) {
    main.printer().record(main.api().patch(path(BLUEPRINTS, name), Map.of("enabled", false)));
    return 0;
  }

  /** The JSON object in {@code file} ({@code -}: stdin). */
  private JsonNode readConfig(String command, String file) {
    String text;
    try {
      text =
          file.equals("-")
              ? LocalFiles.read(main.env.stdin(), Limits.BLUEPRINT_CONFIG)
              : LocalFiles.read(Path.of(file), Limits.BLUEPRINT_CONFIG);
    } catch (IOException e) {
      throw new ParameterException(
          spec.subcommands().get(command),
          "Invalid value for option '--config': cannot read "
              + file
              + (e instanceof NoSuchFileException ? ": no such file" : ": " + ApiClient.reason(e)));
    }
    JsonNode config;
    try {
      config = ApiClient.MAPPER.readTree(text);
    } catch (IOException e) {
      config = null;
    }
    if (config == null || !config.isObject()) {
      throw new ParameterException(
          spec.subcommands().get(command),
          "Invalid value for option '--config': " + file + " holds no JSON object");
    }
    return config;
  }
}
