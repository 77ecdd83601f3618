package dev.slipway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.cli.ApiClient.ApiException;
import dev.slipway.cli.FakeApi.Request;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LeaseGroupCommandsTest {

  static String member(String id, String status, String platform) {
    return "{\"id\":\""
        + id
        + "\",\"type\":\"host\",\"status\":\""
        + status
        + "\",\"attributes\":{\"platform\":\""
        + platform
        + "\"},\"resourceId\":null,\"owner\":\"me\",\"reason\":null}";
  }

  static String group(String status, String reason) {
    return "{\"id\":\"group-1\",\"status\":\""
        + status
        + "\",\"owner\":\"me\",\"reason\":"
        + (reason == null ? "null" : "\"" + reason + "\"")
        + ",\"createdAt\":\"2026-01-02T03:04:05Z\",\"updatedAt\":\"2026-01-02T03:04:05Z\","
        + "\"leases\":[\"lease-1\",\"lease-2\"],\"members\":["
        + member("lease-1", status.equals("failed") ? "failed" : "pending", "linux")
        + ","
        + member("lease-2", status.equals("failed") ? "failed" : "pending", "windows")
        + "]}";
  }

  @Test
  void requestSendsEveryMemberInOrderWithItsPinAndTheGroupsOptions() {
    CliRun cli = new CliRun(new FakeApi(request -> group("pending", null)));

    int code =
        cli.run(
            "lease",
            "group",
            "request",
            "--member",
            "platform=linux,arch=x64",
            "--member",
            "platform=windows",
            "--owner",
            "me",
            "--resource",
            "host-7",
            "--member",
            "",
            "--wait-timeout",
            "5m",
            "--heartbeat-timeout",
            "30s");

    assertEquals(0, code, cli.err());
    Request post = cli.api.only("POST");
    assertEquals("api/v1/lease-groups", post.path());
    assertEquals(
        "{\"members\":[{\"attributes\":{\"platform\":\"linux\",\"arch\":\"x64\"}},"
            + "{\"attributes\":{\"platform\":\"windows\"},\"pinnedResourceId\":\"host-7\"},"
            + "{\"attributes\":{}}],"
            + "\"owner\":\"me\",\"waitTimeout\":\"5m\",\"heartbeatTimeout\":\"30s\"}",
        post.body().toString());
    assertEquals(1, cli.api.requests.size(), "nothing but the request");
    List<String> lines = cli.out().lines().toList();
    assertEquals("id:        group-1", lines.get(0));
    assertEquals("status:    pending", lines.get(1));
    assertTrue(lines.contains("leases:    lease-1,lease-2"), cli.out());
    int table = lines.indexOf("ID       TYPE  STATUS   RESOURCE  OWNER  QUEUE  ATTRIBUTES");
    assertTrue(table > 0, cli.out());
    assertEquals(
        "lease-1  host  pending  -         me     -      platform=linux", lines.get(table + 1));
    assertEquals(
        "lease-2  host  pending  -         me     -      platform=windows", lines.get(table + 2));
  }

  @Test
  void requestWithoutOptionsSendsOnlyTheMembers() {
    CliRun cli = new CliRun(new FakeApi(request -> group("pending", null)));

    int code =
        cli.run(
            "--json",
            "lease",
            "group",
            "request",
            "--member",
            "platform=linux",
            "--member",
            "platform=windows");

    assertEquals(0, code, cli.err());
    assertEquals(
        "{\"members\":[{\"attributes\":{\"platform\":\"linux\"}},"
            + "{\"attributes\":{\"platform\":\"windows\"}}]}",
        cli.api.only("POST").body().toString());
    assertEquals(ApiClient.read(group("pending", null)), ApiClient.read(cli.out()));
  }

  @Test
  void badMembersAndDurationsAreUsageErrorsNamingTheOptionAndSendNothing() {
    assertUsageError(List.of(), "Missing required option: '--member=KEY=VALUE[,KEY=VALUE...]'");
    assertUsageError(
        List.of("--member", "platform=linux", "--member", "platform"),
        "Invalid value for option '--member'",
        "'platform' is not key=value");
    assertUsageError(
        List.of("--member", "platform=linux,platform=windows", "--member", "a=b"),
        "Invalid value for option '--member'",
        "'platform' is given twice");
    assertUsageError(
        List.of("--member", "a=1,,b=2", "--member", "a=b"),
        "Invalid value for option '--member'",
        "'' is not key=value");
    assertUsageError(
        List.of("--member", "a=1", "--resource", "h1", "--resource", "h2", "--member", "a=b"),
        "Invalid value for option '--resource': 'h2': member 1 is pinned to 'h1' already");
    assertUsageError(
        List.of("--resource", "h1", "--member", "a=1", "--member", "a=b"),
        "Invalid value for option '--resource': 'h1': it comes before any --member");
    assertUsageError(
        List.of("--member", "a=1", "--member", "a=b", "--wait-timeout", "soon"),
        "Invalid value for option '--wait-timeout'");
    assertUsageError(
        List.of("--member", "a=1", "--member", "a=b", "--heartbeat-timeout", "-1s"),
        "Invalid value for option '--heartbeat-timeout'");
  }

  private static void assertUsageError(List<String> options, String... messages) {
    CliRun cli = new CliRun(new FakeApi(request -> group("pending", null)));
    List<String> args = new ArrayList<>(List.of("lease", "group", "request"));
    args.addAll(options);

    assertEquals(2, cli.run(args.toArray(String[]::new)), options + ": " + cli.err());

    assertTrue(cli.err().startsWith("slipway: "), cli.err());
    for (String message : messages) {
      assertTrue(cli.err().contains(message), options + ": " + cli.err());
    }
    assertTrue(cli.api.requests.isEmpty(), options + " sent " + cli.api.requests);
  }

  @Test
  void aRefusedGroupPrintsTheApisMessageAndTheMemberFieldAndExitsOne() {
    CliRun cli =
        new CliRun(
            new FakeApi(
                request -> {
                  throw new ApiException(
                      400,
                      "invalid-request",
                      "no resource 'host-missing' exists",
                      "members[1].pinnedResourceId");
                }));

    int code =
        cli.run(
            "lease",
            "group",
            "request",
            "--member",
            "platform=linux",
            "--member",
            "platform=windows",
            "--resource",
            "host-missing");

    assertEquals(1, code);
    assertEquals(
        "slipway: no resource 'host-missing' exists (field: members[1].pinnedResourceId)",
        cli.err().strip());
    assertEquals("", cli.out());
  }

  @Test
  void showGetsTheGroupWithItsReasonAndMembers() {
    CliRun cli =
        new CliRun(new FakeApi(request -> group("failed", "its hosts were never free at once")));

    assertEquals(0, cli.run("lease", "group", "show", "group-1"), cli.err());

    assertEquals("api/v1/lease-groups/group-1", cli.api.only("GET").path());
    List<String> lines = cli.out().lines().toList();
    assertTrue(lines.contains("status:    failed"), cli.out());
    assertTrue(lines.contains("reason:    its hosts were never free at once"), cli.out());
    assertTrue(
        lines.contains("lease-2  host  failed  -         me     -      platform=windows"),
        cli.out());

    CliRun missing =
        new CliRun(
            new FakeApi(
                request -> {
                  throw new ApiException(
                      404, "not-found", "lease group 'group-nope' does not exist", null);
                }));
    assertEquals(1, missing.run("lease", "group", "show", "group-nope"));
    assertEquals("slipway: lease group 'group-nope' does not exist", missing.err().strip());
  }
}
