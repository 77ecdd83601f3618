package dev.slipway.local;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.local.SlipwayClient.Reply;
import dev.slipway.stack.SshTestHost;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The allocator through the REST API: pinning, waiting, failing with reasons, removal. */
class AllocationIT {

  static E2eStack stack;
  static SshTestHost machine;

  @BeforeAll
  static void start() throws Exception {
    stack = E2eStack.get();
    machine = stack.sshHost(); // hosts below are registrations; none of them runs commands
  }

  @Test
  void leasesGoToTheLeastLoadedMatchingHost() throws Exception {
    String pool = E2eStack.newPool();
    host(pool + "-a", "linux", Map.of("pool", pool), 2);
    host(pool + "-b", "linux", Map.of("pool", pool), 2);
    JsonNode first = awaitStatus(lease(Map.of("pool", pool)), "active");
    JsonNode second = awaitStatus(lease(Map.of("pool", pool)), "active");
    assertNotEquals(first.get("resourceId").asText(), second.get("resourceId").asText());
  }

  @Test
  void pinnedLeaseWaitsForItsResourceEvenWhenOthersAreFree() throws Exception {
    String pool = E2eStack.newPool();
    String pinned = host(pool + "-a", "linux", Map.of("pool", pool), 1);
    String other = host(pool + "-b", "linux", Map.of("pool", pool), 1);

    String holder = awaitStatus(pinnedLease(pool, pinned), "active").get("id").asText();
    String waiting = pinnedLease(pool, pinned);
    JsonNode unpinned = awaitStatus(lease(Map.of("pool", pool)), "active");

    assertEquals(other, unpinned.get("resourceId").asText());
    JsonNode stillWaiting = stack.api.get("api/v1/leases/" + waiting).ok();
    assertEquals("pending", stillWaiting.get("status").asText());
    assertEquals(pinned, stillWaiting.get("pinnedResourceId").asText());
    assertTrue(stillWaiting.get("queuePosition").asLong() >= 1);

    release(holder);
    assertEquals(pinned, awaitStatus(waiting, "active").get("resourceId").asText());
  }

  @Test
  void waitingLeaseIsServedInTheTransactionThatFreesTheSlot() throws Exception {
    String pool = E2eStack.newPool();
    host(pool, "linux", Map.of("pool", pool), 1);
    String first = awaitStatus(lease(Map.of("pool", pool)), "active").get("id").asText();
    String second = lease(Map.of("pool", pool));
    await().atMost(Duration.ofSeconds(10)).until(() -> historyOf(second).contains("pending"));

    release(first);

    awaitStatus(second, "active");
    // no poll interval in the path: the release and the next grant are one database transaction
    assertEquals(txidOf(first, "released"), txidOf(second, "acquired"));
  }

  @Test
  void windowsLeaseFailsAtOnceWithoutWindowsHostsAndTimesOutWhenTheyAreBusy() throws Exception {
    String pool = E2eStack.newPool();
    String impossible = lease(Map.of("platform", "windows", "pool", pool));
    JsonNode failed = awaitStatus(impossible, "failed");
    assertTrue(
        failed.get("reason").asText().contains("no blueprint offers host with"), failed.toString());
    assertTrue(failed.get("reason").asText().contains("platform=windows"), failed.toString());
    assertEquals(List.of("pending", "failed"), historyOf(impossible));

    String windows = host(pool, "windows", Map.of("pool", pool), 1);
    String holder =
        awaitStatus(lease(Map.of("platform", "windows", "pool", pool)), "active")
            .get("id")
            .asText();
    String waiting =
        stack
            .api
            .post(
                "api/v1/leases",
                Map.of(
                    "type",
                    "host",
                    "attributes",
                    Map.of("platform", "windows", "pool", pool),
                    "waitTimeout",
                    "2s"))
            .ok()
            .get("id")
            .asText();
    JsonNode timedOut = awaitStatus(waiting, "failed");
    String reason = timedOut.get("reason").asText();
    assertTrue(reason.startsWith("waited"), reason);
    assertTrue(reason.contains("platform=windows"), reason);
    assertTrue(reason.contains("busy"), reason);

    release(holder);
    assertEquals(202, stack.api.delete("api/v1/hosts/" + windows).status());
    awaitHostStatus(windows, "destroyed");
  }

  @Test
  void workingCopyLeasesThatCannotBeServedFailWithAReason() throws Exception {
    String pool = E2eStack.newPool();
    String windowsHost = host(pool + "-w", "windows", Map.of("pool", pool), 1);
    String windows = awaitStatus(lease(Map.of("pool", pool)), "active").get("id").asText();
    JsonNode onWindows = awaitStatus(workingCopy(Map.of("hostLease", windows)), "failed");
    assertTrue(onWindows.get("reason").asText().contains("windows"), onWindows.toString());
    release(windows);
    // in a plan, the copy is asked for with its host lease, before that is active on windows
    WorkingCopyFixture.Repository repo = WorkingCopyFixture.repository();
    String plan = WorkingCopyFixture.plan(WorkingCopyFixture.onLeasedHost("pool: " + pool), "true");
    JsonNode build =
        stack.api.awaitFinished(
            stack.api.submitBuild(plan, repo.uri(), repo.a(), "main"), Duration.ofSeconds(60));
    JsonNode src = WorkingCopyFixture.step(build, "src");
    assertEquals("failed", src.get("status").asText(), build.toString());
    assertTrue(src.get("reason").asText().contains("windows"), build.toString());
    JsonNode onReleased = awaitStatus(workingCopy(Map.of("hostLease", windows)), "failed");
    assertTrue(onReleased.get("reason").asText().contains("is released"), onReleased.toString());
    // no windows host is left behind for the tests that expect none
    assertEquals(202, stack.api.delete("api/v1/hosts/" + windowsHost).status());
    awaitHostStatus(windowsHost, "destroyed");

    stack.registerWithCopyBudget(machine, pool + "-l", Map.of("pool", pool), 1, 0);
    String linux =
        awaitStatus(lease(Map.of("pool", pool, "platform", "linux")), "active").get("id").asText();
    JsonNode timedOut =
        awaitStatus(workingCopy(Map.of("hostLease", linux, "waitTimeout", "2s")), "failed");
    String reason = timedOut.get("reason").asText();
    assertTrue(reason.startsWith("waited "), reason);
    assertTrue(reason.contains("for a working copy of /srv/app.git at main on " + pool), reason);
    assertTrue(reason.contains("at most 0 copies"), reason);
  }

  private static String workingCopy(Map<String, Object> fields) throws Exception {
    Map<String, Object> body = new HashMap<>(fields);
    body.put("type", "working-copy");
    body.put("repository", "/srv/app.git");
    body.put("ref", "main");
    return stack.api.post("api/v1/leases", body).ok().get("id").asText();
  }

  @Test
  void leaseWhoseOwnerStopsHeartbeatingIsReleasedAndItsSlotServesTheNext() throws Exception {
    String pool = E2eStack.newPool();
    host(pool, "linux", Map.of("pool", pool), 1);
    String silent =
        stack
            .api
            .post(
                "api/v1/leases",
                Map.of(
                    "type", "host", "attributes", Map.of("pool", pool), "heartbeatTimeout", "2s"))
            .ok()
            .get("id")
            .asText();
    JsonNode active = awaitStatus(silent, "active");
    assertTrue(!active.get("expiresAt").isNull(), active.toString());
    String next = lease(Map.of("pool", pool));

    JsonNode released = awaitStatus(silent, "released");

    assertTrue(
        released.get("reason").asText().startsWith("heartbeat expired"), released.toString());
    awaitStatus(next, "active");
  }

  @Test
  void releasingAReleasedLeaseIsRefusedAndChangesNothing() throws Exception {
    String pool = E2eStack.newPool();
    host(pool, "linux", Map.of("pool", pool), 1);
    String id = awaitStatus(lease(Map.of("pool", pool)), "active").get("id").asText();
    release(id);
    JsonNode released = awaitStatus(id, "released");

    Reply again = stack.api.post("api/v1/leases/" + id + "/release", Map.of());

    assertEquals(409, again.status(), again.body());
    assertTrue(again.json().get("message").asText().contains("released"), again.body());
    assertEquals(released, stack.api.get("api/v1/leases/" + id).ok());
  }

  @Test
  void busyHostIsRemovedOnceItsLastLeaseIsReleased() throws Exception {
    String pool = E2eStack.newPool();
    String host = host(pool, "linux", Map.of("pool", pool), 2);
    String lease = awaitStatus(lease(Map.of("pool", pool)), "active").get("id").asText();

    Reply slots = stack.api.patch("api/v1/hosts/" + host, Map.of("slots", 0));
    assertEquals(409, slots.status(), slots.body());
    JsonNode removing = stack.api.delete("api/v1/hosts/" + host).json();
    assertEquals("released", removing.get("status").asText());
    assertEquals(false, removing.get("enabled").asBoolean());
    // the only host of the pool is going: nothing could ever serve a new lease
    String refused = lease(Map.of("pool", pool));
    assertTrue(awaitStatus(refused, "failed").get("reason").asText().contains("pool=" + pool));

    release(lease);
    awaitHostStatus(host, "destroyed");
  }

  @Test
  void brokenHostIsRemovedOnceItsLastLeaseIsReleasedAndItsNameServesANewHost() throws Exception {
    String pool = E2eStack.newPool();
    String broken = host(pool, "linux", Map.of("pool", pool), 1);
    String lease = awaitStatus(lease(Map.of("pool", pool)), "active").get("id").asText();
    breakHost(broken); // as the runner does when the host presents another host key

    Reply removing = stack.api.delete("api/v1/hosts/" + broken);
    assertEquals(202, removing.status(), removing.body());
    assertEquals("released", removing.json().get("status").asText());
    String again = host(pool, "linux", Map.of("pool", pool), 1);
    assertNotEquals(broken, again);
    release(lease);

    awaitHostStatus(broken, "destroyed");
    assertEquals(
        again, awaitStatus(lease(Map.of("pool", pool)), "active").get("resourceId").asText());
  }

  private static void breakHost(String id) throws Exception {
    try (Connection c = stack.sql();
        PreparedStatement update =
            c.prepareStatement(
                "update resources set status = 'broken', reason = 'presented another host key'"
                    + " where id = ?")) {
      update.setString(1, id);
      assertEquals(1, update.executeUpdate());
    }
  }

  @Test
  void resourcesAreListedByTypeAndAttributes() throws Exception {
    String pool = E2eStack.newPool();
    String a = host(pool + "-a", "linux", Map.of("pool", pool, "role", "build"), 1);
    host(pool + "-b", "linux", Map.of("pool", pool, "role", "deploy"), 1);
    JsonNode found =
        stack.api.get("api/v1/resources?type=host&attr=pool:" + pool + "&attr=role:build").ok();
    assertEquals(1, found.size(), found.toString());
    assertEquals(a, found.get(0).get("id").asText());
    assertEquals(400, stack.api.get("api/v1/resources?attr=nocolon").status());
  }

  private String host(String name, String platform, Map<String, String> attributes, int slots)
      throws Exception {
    return stack.registerHost(
        machine, machine.clientPrivateKeyPem(), name, platform, attributes, slots);
  }

  static String lease(Map<String, String> attributes) throws Exception {
    return stack
        .api
        .post("api/v1/leases", Map.of("type", "host", "attributes", attributes))
        .ok()
        .get("id")
        .asText();
  }

  private static String pinnedLease(String pool, String resourceId) throws Exception {
    Map<String, Object> body = new HashMap<>();
    body.put("type", "host");
    body.put("attributes", Map.of("pool", pool));
    body.put("resourceId", resourceId);
    return stack.api.post("api/v1/leases", body).ok().get("id").asText();
  }

  static void release(String id) throws Exception {
    stack.api.post("api/v1/leases/" + id + "/release", Map.of()).ok();
  }

  static JsonNode awaitStatus(String id, String status) {
    JsonNode[] last = new JsonNode[1];
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              last[0] = stack.api.get("api/v1/leases/" + id).ok();
              return status.equals(last[0].get("status").asText());
            });
    return last[0];
  }

  private static void awaitHostStatus(String id, String status) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> status.equals(stack.api.get("api/v1/hosts/" + id).ok().get("status").asText()));
  }

  static List<String> historyOf(String lease) throws Exception {
    try (Connection c = E2eStack.get().sql();
        PreparedStatement q =
            c.prepareStatement("select status from lease_history where lease_id = ? order by id")) {
      q.setString(1, lease);
      try (ResultSet rs = q.executeQuery()) {
        List<String> statuses = new java.util.ArrayList<>();
        while (rs.next()) {
          statuses.add(rs.getString(1));
        }
        return statuses;
      }
    }
  }

  private static long txidOf(String lease, String status) throws Exception {
    try (Connection c = stack.sql();
        PreparedStatement q =
            c.prepareStatement(
                "select txid from lease_history where lease_id = ? and status = ?")) {
      q.setString(1, lease);
      q.setString(2, status);
      try (ResultSet rs = q.executeQuery()) {
        assertTrue(rs.next(), lease + " never " + status);
        return rs.getLong(1);
      }
    }
  }
}
