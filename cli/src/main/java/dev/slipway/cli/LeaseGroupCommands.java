package dev.slipway.cli;

import static dev.slipway.cli.ApiClient.path;
import static dev.slipway.cli.ApiClient.putIfGiven;

import dev.slipway.cli.ApiClient.Reply;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code slipway lease group ...}: host leases granted all at once or not at all ({@code
 * /api/v1/lease-groups}, docs/allocation.md "Lease groups"). The API has no call to release a
 * group: its members are released one by one with {@code slipway lease release}.
 */
@Command(
    name = "group",
    synopsisSubcommandLabel = "COMMAND",
    subcommands = LeaseGroupCommands.Request.class,
    description = {
      "Ask for and show lease groups: 2 to 16 host leases granted all at once or not at all.",
      "Release a group by releasing its leases ('slipway lease release ID' for each)."
    })
final class LeaseGroupCommands {

  static final String GROUPS = "api/v1/lease-groups";

  @ParentCommand LeaseCommands lease;

  /**
   * {@code request}: a class of its own, not a method, so that it sees {@code --member} and {@code
   * --resource} in the order given and can pin each {@code --resource} to the {@code --member} it
   * follows.
   */
  @Command(
      name = "request",
      description = {
        "Ask for a lease group; print it (usually pending) and its member leases.",
        "Follow it with 'slipway lease group show ID'."
      })
  static final class Request implements Callable<Integer> {

    @ParentCommand LeaseGroupCommands group;
    @Spec CommandSpec spec;

    /** The members' bodies, in the order their {@code --member} came. */
    private final List<Map<String, Object>> members = new ArrayList<>();

    private int pins;

    @Option(
        names = "--wait-timeout",
        paramLabel = "DURATION",
        converter = Args.DurationConverter.class,
        description = "Fail the whole group if it waits longer than this (30s, 5m).")
    String waitTimeout;

    @Option(
        names = "--heartbeat-timeout",
        paramLabel = "DURATION",
        converter = Args.DurationConverter.class,
        description =
            "Release each member, once granted, that is not heartbeated (POST"
                + " /api/v1/leases/ID/heartbeat) for this long. Default: never.")
    String heartbeatTimeout;

    @Option(names = "--owner", paramLabel = "OWNER", description = "Who holds the leases.")
    String owner;

    /** picocli calls this with every {@code --member} so far, the newest last. */
    @Option(
        names = "--member",
        required = true,
        paramLabel = "KEY=VALUE[,KEY=VALUE...]",
        converter = Args.MemberConverter.class,
        description =
            "A host lease of the group (repeatable, in order): the attributes its host must"
                + " have, comma-separated (a value cannot hold a comma); '' for none.")
    void member(List<Args.Member> given) {
      if (given.size() > members.size()) {
        Map<String, Object> member = new LinkedHashMap<>();
        member.put("attributes", given.get(given.size() - 1).attributes());
        members.add(member);
      }
    }

    /** picocli calls this with every {@code --resource} so far, the newest last. */
    @Option(
        names = "--resource",
        paramLabel = "ID",
        description = "Pin the last --member before it to this host (one --resource per member).")
    void resource(List<String> given) {
      if (given.size() <= pins) {
        return;
      }
      pins = given.size();
      String id = given.get(given.size() - 1);
      if (members.isEmpty()) {
        throw invalidResource(id, "it comes before any --member; give it after its member");
      }
      Map<String, Object> last = members.get(members.size() - 1);
      if (last.containsKey("pinnedResourceId")) {
        throw invalidResource(
            id,
            "member "
                + members.size()
                + " is pinned to '"
                + last.get("pinnedResourceId")
                + "' already");
      }
      last.put("pinnedResourceId", id);
    }

    private ParameterException invalidResource(String id, String why) {
      return new ParameterException(
          spec.commandLine(), "Invalid value for option '--resource': '" + id + "': " + why);
    }

    @Override
    public Integer call() {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("members", members);
      putIfGiven(body, "owner", owner);
      putIfGiven(body, "waitTimeout", waitTimeout);
      putIfGiven(body, "heartbeatTimeout", heartbeatTimeout);
      Main main = group.lease.main;
      print(main, main.api().post(GROUPS, body));
      return 0;
    }
  }

  @Command(
      name = "show",
      description = "Show a lease group: its status (pending, granted, failed) and member leases.")
  int show(@Parameters(paramLabel = "ID") String id) {
    print(lease.main, lease.main.api().get(path(GROUPS, id)));
    return 0;
  }

  /** The group's fields, then its members as {@code slipway lease list} shows leases. */
  private static void print(Main main, Reply group) {
    main.printer().recordWithTable(group, "members", LeaseCommands.TABLE);
  }
}
