package dev.slipway.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.cli.ApiClient.ApiException;
import dev.slipway.cli.FakeApi.Request;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LeaseCommandsTest {

  static String lease(String status, Integer queuePosition, String reason) {
    return "{\"id\":\"lease-1\",\"type\":\"host\",\"status\":\""
        + status
        + "\",\"attributes\":{\"pool\":\"a\"},\"resourceId\":null,\"owner\":null,"
        + "\"reason\":"
        + (reason == null ? "null" : "\"" + reason + "\"")
        + (queuePosition == null ? "" : ",\"queuePosition\":" + queuePosition)
        + "}";
  }

  /** Answers the POST with a pending lease and each GET with the next of {@code polls}. */
  static FakeApi leaseGoingThrough(String... polls) {
    AtomicInteger gets = new AtomicInteger();
    return new FakeApi(
        request -> {
          if (request.method().equals("GET")) {
            return polls[Math.min(gets.getAndIncrement(), polls.length - 1)];
          }
          if (request.path().endsWith("/release")) {
            return lease("released", null, null);
          }
          if (request.path().endsWith("/heartbeat")) {
            return lease("active", null, null);
          }
          return lease("pending", 3, null);
        });
  }

  @Test
  void acquireSendsTheRequestAndPrintsTheLeaseWithoutWaiting() {
    CliRun cli = new CliRun(leaseGoingThrough(lease("active", null, null)));

    int code =
        cli.run(
            "lease",
            "acquire",
            "--type",
            "host",
            "--attr",
            "pool=a",
            "--attr",
            "role=build",
            "--resource",
            "host-7",
            "--wait-timeout",
            "5m",
            "--owner",
            "me");

    assertEquals(0, code, cli.err());
    Request post = cli.api.only("POST");
    assertEquals("api/v1/leases", post.path());
    assertEquals(
        "{\"type\":\"host\",\"attributes\":{\"pool\":\"a\",\"role\":\"build\"},"
            + "\"resourceId\":\"host-7\",\"waitTimeout\":\"5m\",\"owner\":\"me\"}",
        post.body().toString());
    assertEquals(1, cli.api.requests.size(), "no polling without --wait");
    assertTrue(cli.out().contains("pending"), cli.out());
    assertTrue(cli.lifecycle.hooks.isEmpty());
  }

  @Test
  void waitPrintsQueuePositionChangesUntilActive() {
    CliRun cli =
        new CliRun(
            leaseGoingThrough(
                lease("pending", 3, null),
                lease("pending", 1, null),
                lease("acquired", null, null),
                lease("active", null, null)));

    int code = cli.run("lease", "acquire", "--type", "host", "--attr", "pool=a", "--wait");

    assertEquals(0, code, cli.err());
    assertFalse(cli.api.only("POST").body().has("heartbeatTimeout"));
    List<String> notes = cli.err().lines().toList();
    assertEquals(
        List.of(
            "lease lease-1 is waiting: position 3 in the queue",
            "lease lease-1 is waiting: position 1 in the queue"),
        notes);
    assertTrue(cli.out().contains("active"), cli.out());
    assertEquals(4, cli.api.requests.stream().filter(r -> r.method().equals("GET")).count());
    assertEquals("api/v1/leases/lease-1", cli.api.requests.get(1).path());
    cli.lifecycle.hooks.forEach(Runnable::run);
    assertTrue(cli.lifecycle.halts.isEmpty(), "an active lease is kept after --wait");
    assertEquals(5, cli.api.requests.size(), "nothing released");
  }

  @Test
  void waitForALeaseThatFailsPrintsTheReasonAndExitsOne() {
    CliRun cli = new CliRun(leaseGoingThrough(lease("failed", null, "no host has gpu=yes")));

    int code =
        cli.run("--json", "lease", "acquire", "--type", "host", "--attr", "gpu=yes", "--wait");

    assertEquals(1, code);
    assertTrue(
        cli.err().contains("slipway: lease lease-1 is failed: no host has gpu=yes"), cli.err());
    assertEquals("", cli.out());
  }

  @Test
  void holdAsksForHeartbeatsAndReleasesOnShutdown() throws Exception {
    CliRun cli = new CliRun(leaseGoingThrough(lease("active", null, null)));

    CompletableFuture<Integer> code =
        CompletableFuture.supplyAsync(
            () -> cli.run("lease", "acquire", "--type", "host", "--attr", "pool=a", "--hold"));
    awaitOutput(cli, "holding lease lease-1; press Ctrl-C to release");
    assertEquals("30s", cli.api.only("POST").body().get("heartbeatTimeout").asText());
    assertTrue(cli.out().contains("active"));

    cli.lifecycle.hooks.forEach(Runnable::run);

    code.get(5, TimeUnit.SECONDS);
    assertEquals(List.of(0), cli.lifecycle.halts);
    assertTrue(cli.err().contains("released lease-1"), cli.err());
    assertTrue(
        cli.api.requests.stream().anyMatch(r -> r.path().equals("api/v1/leases/lease-1/release")));
  }

  @Test
  void holdInterruptedWhileWaitingReleasesThePendingLease() throws Exception {
    CliRun cli = new CliRun(leaseGoingThrough(lease("pending", 2, null)));

    CompletableFuture<Integer> code =
        CompletableFuture.supplyAsync(
            () -> cli.run("lease", "acquire", "--type", "host", "--hold"));
    awaitOutput(cli, "position 2 in the queue");

    cli.lifecycle.hooks.forEach(Runnable::run);

    code.get(5, TimeUnit.SECONDS);
    assertEquals(List.of(0), cli.lifecycle.halts);
    assertTrue(cli.err().contains("released lease-1"), cli.err());
  }

  @Test
  void plainWaitInterruptedReleasesAndExitsAsAbandoned() throws Exception {
    CliRun cli = new CliRun(leaseGoingThrough(lease("pending", 2, null)));

    CompletableFuture<Integer> code =
        CompletableFuture.supplyAsync(
            () -> cli.run("lease", "acquire", "--type", "host", "--wait"));
    awaitOutput(cli, "position 2 in the queue");
    cli.lifecycle.hooks.forEach(Runnable::run);

    code.get(5, TimeUnit.SECONDS);
    assertEquals(List.of(LeaseWaiter.ABANDONED), cli.lifecycle.halts);
  }

  @Test
  void holdHeartbeatsAndStopsWhenTheLeaseBreaks() throws Exception {
    AtomicInteger heartbeats = new AtomicInteger();
    FakeApi api =
        new FakeApi(
            request -> {
              if (request.path().endsWith("/heartbeat")) {
                return heartbeats.incrementAndGet() < 3
                    ? lease("active", null, null)
                    : lease("broken", null, "host key changed");
              }
              return lease("active", null, null);
            });
    CliRun cli = new CliRun(api);
    LeaseWaiter waiter =
        new LeaseWaiter(
            api.client(),
            new Printer(discard(), discard(), false),
            cli.lifecycle,
            true,
            Duration.ofMillis(10),
            Duration.ofMillis(20));

    int code = waiter.run(api.client().post("api/v1/leases", Map.of("type", "host")));

    assertEquals(1, code);
    assertEquals(3, heartbeats.get());
    cli.lifecycle.hooks.forEach(Runnable::run);
    assertTrue(cli.lifecycle.halts.isEmpty(), "a broken lease is not released again");
  }

  @Test
  void releasePostsAndAnAlreadyFinalLeaseIsRefusedWithTheApisMessage() {
    CliRun cli = new CliRun(leaseGoingThrough());
    assertEquals(0, cli.run("lease", "release", "lease-1"));
    assertEquals("api/v1/leases/lease-1/release", cli.api.only("POST").path());

    CliRun twice =
        new CliRun(
            new FakeApi(
                request -> {
                  throw new ApiException(
                      409, "illegal-transition", "lease lease-1 is released already", null);
                }));
    assertEquals(1, twice.run("lease", "release", "lease-1"));
    assertEquals("slipway: lease lease-1 is released already", twice.err().strip());
  }

  @Test
  void listFiltersByStatusAndOwner() {
    CliRun cli =
        new CliRun(
            new FakeApi(
                request -> "{\"leases\":[" + lease("pending", 1, null) + "],\"next\":null}"));

    assertEquals(0, cli.run("lease", "list", "--status", "pending", "--owner", "build 7"));

    assertEquals("api/v1/leases?status=pending&owner=build+7&limit=50", cli.api.only("GET").path());
    String[] lines = cli.out().split("\\R");
    assertEquals("ID       TYPE  STATUS   RESOURCE  OWNER  QUEUE  ATTRIBUTES", lines[0]);
    assertEquals("lease-1  host  pending  -         -      1      pool=a", lines[1]);
  }

  @Test
  void listFollowsTheCursorUpToTheLimitAndJsonHoldsEveryLease() {
    String two = lease("active", null, null) + "," + lease("active", null, null);
    CliRun cli =
        new CliRun(
            new FakeApi(
                request ->
                    request.path().contains("cursor=c1")
                        ? "{\"leases\":[" + lease("released", null, null) + "],\"next\":\"c2\"}"
                        : "{\"leases\":[" + two + "],\"next\":\"c1\"}"));

    assertEquals(0, cli.run("--json", "lease", "list", "--limit", "3"), cli.err());

    assertEquals(
        List.of("api/v1/leases?limit=3", "api/v1/leases?limit=1&cursor=c1"),
        cli.api.requests.stream().map(Request::path).toList());
    var printed = ApiClient.read(cli.out());
    assertEquals(3, printed.get("leases").size());
    assertEquals("released", printed.get("leases").get(2).get("status").asText());
    assertEquals("c2", printed.get("next").asText());
    assertEquals(2, new CliRun(new FakeApi(r -> "{}")).run("lease", "list", "--limit", "0"));
  }

  @Test
  void showGetsOneLease() {
    CliRun cli = new CliRun(leaseGoingThrough(lease("active", null, null)));
    assertEquals(0, cli.run("lease", "show", "lease-1"));
    assertEquals("api/v1/leases/lease-1", cli.api.only("GET").path());
    assertTrue(cli.out().startsWith("id:"), cli.out());
  }

  private static PrintStream discard() {
    return new PrintStream(OutputStream.nullOutputStream());
  }

  private static void awaitOutput(CliRun cli, String text) {
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> (cli.out() + cli.err()).contains(text));
  }
}
