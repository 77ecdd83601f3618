package dev.slipway.cli;

import dev.slipway.cli.ApiClient.Param;
import dev.slipway.cli.Args.Attr;
import dev.slipway.cli.Printer.Column;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code slipway resource ...}: what blueprints made or operators registered. */
@Command(
    name = "resource",
    synopsisSubcommandLabel = "COMMAND",
    description = "List resources (hosts, working copies).")
final class ResourceCommands {

  static final String RESOURCES = "api/v1/resources";

  static final List<Column> TABLE =
      List.of(
          Column.of("ID", "id"),
          Column.of("TYPE", "type"),
          Column.of("NAME", "name"),
          Column.of("BLUEPRINT", "blueprint"),
          Column.of("STATUS", "status"),
          Column.of("SLOTS", "slots"),
          Column.of("IN-USE", "leasesHeld"),
          Column.of("ENABLED", "enabled"),
          Column.of("ATTRIBUTES", "attributes"));

  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Command(
      name = "list",
      description = "List resources, optionally of one type and with attributes.")
  int list(
      @Option(names = "--type", paramLabel = "TYPE", description = "e.g. host") String type,
      @Option(
              names = "--attr",
              paramLabel = "KEY=VALUE",
              converter = Args.AttrConverter.class,
              description = "Only resources with this attribute (repeatable).")
          List<Attr> attrs) {
    main.printer().table(main.api().get(query(type, attrs(attrs))), TABLE);
    return 0;
  }

  private Map<String, String> attrs(List<Attr> attrs) {
    return Main.attributes(spec.subcommands().get("list"), attrs);
  }

  /** {@code api/v1/resources?type=T&attr=k:v&attr=k2:v2}. */
  static String query(String type, Map<String, String> attributes) {
    List<Param> params = new ArrayList<>();
    params.add(new Param("type", type));
    attributes.forEach((k, v) -> params.add(new Param("attr", k + ":" + v)));
    return ApiClient.query(RESOURCES, params);
  }
}
