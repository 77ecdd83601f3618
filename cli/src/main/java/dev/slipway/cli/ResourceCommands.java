package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.cli.ApiClient.Param;
import dev.slipway.cli.Args.Attr;
import dev.slipway.cli.Printer.Column;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code slipway resource ...}: what blueprints made or operators registered. */
@Command(
    name = "resource",
    synopsisSubcommandLabel = "COMMAND",
    description = "List resources (hosts, working copies), their history and their logs.")
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

  static final List<Column> HISTORY =
      List.of(Column.of("AT", "at"), Column.of("STATUS", "status"), Column.of("REASON", "reason"));

  /** Lines asked for per request of {@code resource log}. */
  static final int LOG_PAGE = 1000;

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

  @Command(name = "history", description = "A resource's moves, oldest first, and why.")
  int history(@Parameters(paramLabel = "ID") String id) {
    main.printer().table(main.api().get(ApiClient.path(RESOURCES, id) + "/history"), HISTORY);
    return 0;
  }

  @Command(
      name = "log",
      description = "What a resource's blueprint scripts wrote about it (AT SOURCE LINE).")
  int log(
      @Parameters(paramLabel = "ID") String id,
      @Option(
              names = "--after",
              defaultValue = "0",
              paramLabel = "LINE",
              description = "Only lines after this line id (the 'next' of an earlier call).")
          long after) {
    Printer printer = main.printer();
    long next = after;
    while (true) {
      String page =
          ApiClient.query(
              ApiClient.path(RESOURCES, id) + "/log",
              List.of(
                  new Param("after", Long.toString(next)),
                  new Param("limit", Integer.toString(LOG_PAGE))));
      ApiClient.Reply reply = main.api().get(page);
      JsonNode lines = reply.json().path("lines");
      if (main.json) {
        printer.record(reply);
      } else {
        for (JsonNode line : lines) {
          printer.line(
              line.path("at").asText()
                  + "  "
                  + line.path("source").asText()
                  + "  "
                  + line.path("line").asText());
        }
      }
      next = reply.json().path("next").asLong(next);
      if (lines.size() < LOG_PAGE) {
        return 0;
      }
    }
  }
}
