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

/** {@code slipway lease ...}: take, hold, list and release leases ({@code /api/v1/leases}). */
@Command(
    name = "lease",
    synopsisSubcommandLabel = "COMMAND",
    description = "Take, hold, list and release leases on resources.",
    subcommands = LeaseGroupCommands.class)
final class LeaseCommands {

  static final String LEASES = "api/v1/leases";

  /** What {@code --hold} asks for: the lease is released when heartbeats stop this long. */
  static final String HOLD_HEARTBEAT_TIMEOUT = "30s";

  static final List<Column> TABLE =
      List.of(
          Column.of("ID", "id"),
          Column.of("TYPE", "type"),
          Column.of("STATUS", "status"),
          Column.of("RESOURCE", "resourceId"),
          Column.of("OWNER", "owner"),
          Column.of("QUEUE", "queuePosition"),
          Column.of("ATTRIBUTES", "attributes"));

  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Command(
      name = "acquire",
      description = {
        "Ask for a lease.",
        "Without --wait, print it (usually pending) and exit.",
        "--wait: wait until it is active (exit 0) or failed (exit 1).",
        "--hold: wait, then keep it alive with heartbeats until Ctrl-C, which releases it."
      })
  int acquire(
      @Option(
              names = "--type",
              required = true,
              paramLabel = "TYPE",
              description = "host or working-copy")
          String type,
      @Option(
              names = "--attr",
              paramLabel = "KEY=VALUE",
              converter = Args.AttrConverter.class,
              description = "An attribute the resource must have (repeatable).")
          List<Attr> attrs,
      @Option(names = "--resource", paramLabel = "ID", description = "Lease this resource only.")
          String resourceId,
      @Option(names = "--wait", description = "Wait until the lease is active or failed.")
          boolean wait,
      @Option(
              names = "--wait-timeout",
              paramLabel = "DURATION",
              converter = Args.DurationConverter.class,
              description = "Fail the lease if it waits longer than this (30s, 5m).")
          String waitTimeout,
      @Option(names = "--hold", description = "Wait, then hold the lease until Ctrl-C.")
          boolean hold,
      @Option(names = "--owner", paramLabel = "OWNER", description = "Who holds the lease.")
          String owner,
      @Option(
              names = "--repository",
              paramLabel = "URL",
              description = "working-copy: the repository to check out.")
          String repository,
      @Option(
              names = "--ref",
              paramLabel = "REF",
              description = "working-copy: the commit id, branch or tag to check out.")
          String ref,
      @Option(
              names = "--host-lease",
              paramLabel = "ID",
              description = "working-copy: on the host of this lease (else a host with --attr).")
          String hostLease)
      throws InterruptedException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", type);
    body.put("attributes", Main.attributes(spec.subcommands().get("acquire"), attrs));
    putIfGiven(body, "resourceId", resourceId);
    putIfGiven(body, "waitTimeout", waitTimeout);
    if (hold) {
      body.put("heartbeatTimeout", HOLD_HEARTBEAT_TIMEOUT);
    }
    putIfGiven(body, "owner", owner);
    putIfGiven(body, "repository", repository);
    putIfGiven(body, "ref", ref);
    putIfGiven(body, "hostLease", hostLease);
    ApiClient api = main.api();
    Printer printer = main.printer();
    Reply lease = api.post(LEASES, body);
    if (!wait && !hold) {
      printer.record(lease);
      return 0;
    }
    return new LeaseWaiter(api, printer, main.lifecycle, hold).run(lease);
  }

  @Command(name = "release", description = "Release a lease.")
  int release(@Parameters(paramLabel = "ID") String id) {
    main.printer().record(main.api().post(path(LEASES, id) + "/release", null));
    return 0;
  }

  @Command(
      name = "list",
      description = {
        "List leases, newest first.",
        "Fetches as many pages as --limit needs; --json prints {leases, next}."
      })
  int list(
      @Option(names = "--status", paramLabel = "STATUS", description = "e.g. pending, active")
          String status,
      @Option(names = "--owner", paramLabel = "OWNER", description = "Only this owner's.")
          String owner,
      @Option(
              names = "--limit",
              paramLabel = "N",
              defaultValue = "50",
              description = "At most this many (default ${DEFAULT-VALUE}).")
          int limit) {
    Pages.checkLimit(spec.subcommands().get("list"), limit);
    Reply leases =
        Pages.collect(
            main.api(),
            LEASES,
            List.of(new Param("status", status), new Param("owner", owner)),
            "leases",
            limit);
    main.printer().table(leases, TABLE);
    return 0;
  }

  @Command(name = "show", description = "Show one lease.")
  int show(@Parameters(paramLabel = "ID") String id) {
    main.printer().record(main.api().get(path(LEASES, id)));
    return 0;
  }
}
