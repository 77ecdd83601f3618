package dev.slipway.crash;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.local.SlipwayClient;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Many lease requests at once through the API (short: 200, long: 1,000), served by the stack's
 * allocators (short: its two workers, long: a third, allocator-only) from 10 hosts of 2 slots in
 * two attribute sets. Over the whole history in {@code lease_history}: no host ever held more than
 * its 2 slots, each attribute set was served in the order its leases were asked for, and every
 * request ended acquired (then released) or failed with a reason. The hosts are never reached: the
 * leases are released without running anything.
 */
class ConcurrentLeasesIT {

  private static final int HOSTS = 10;
  private static final int SLOTS = 2;
  private static final List<String> SETS = List.of("a", "b");

  @Test
  void concurrentLeaseRequestsNeverOverfillAHostAreServedInOrderAndNoneIsLost() throws Exception {
    CrashVariant variant = CrashVariant.fromSystemProperties();
    CrashStack stack = CrashStack.get();
    for (int i = stack.workers.size(); i < variant.allocators(); i++) {
      stack.workers.add(stack.services.addWorker(Map.of("SLIPWAY_WORKER_RUNNER_ENABLED", "false")));
    }
    String pool = CrashStack.newPool();
    CrashStack.Host machine = stack.hosts.get(0);
    for (int i = 0; i < HOSTS; i++) {
      String set = SETS.get(i % SETS.size());
      stack.register(machine, pool + "-" + i, Map.of("pool", pool, "set", set), SLOTS);
    }

    long start = System.nanoTime();
    List<String> ids = requestAll(stack, pool, variant.leaseRequests());
    Instant allAsked = Instant.now();
    holdAndReleaseUntilAllEnd(stack, pool);

    int acquired = 0;
    Map<String, String> ended = endings(stack, pool);
    for (Map.Entry<String, String> lease : ended.entrySet()) {
      String status = lease.getValue();
      assertTrue(
          status.equals("released") || status.startsWith("failed: "),
          "lease " + lease.getKey() + " ended " + status);
      if (status.startsWith("failed: ")) {
        assertTrue(status.length() > "failed: ".length(), "failed without a reason: " + lease);
      } else {
        acquired++;
      }
    }
    assertEquals(variant.leaseRequests(), new HashSet<>(ids).size(), "every request got a lease");
    assertEquals(variant.leaseRequests(), ended.size(), "no lease lost or added");
    assertEquals(variant.leaseRequests(), acquired, "all got a slot in the end (they wait 15 min)");

    Map<String, Integer> peaks = peakLeasesPerHost(stack, pool);
    assertEquals(HOSTS, peaks.size(), peaks.toString());
    peaks.forEach(
        (host, peak) -> assertTrue(peak <= SLOTS, host + " held " + peak + " leases at once"));
    assertTrue(peaks.values().stream().anyMatch(p -> p == SLOTS), "slots were used: " + peaks);
    for (String set : SETS) {
      assertServedInOrder(stack, pool, set, allAsked);
    }
    System.out.printf(
        "crash suite: %d lease requests, %d allocators, %d hosts x %d slots: peaks %s, %.0f s%n",
        variant.leaseRequests(),
        variant.allocators(),
        HOSTS,
        SLOTS,
        peaks.values(),
        (System.nanoTime() - start) / 1e9);
  }

  private static List<String> requestAll(CrashStack stack, String pool, int count)
      throws Exception {
    ExecutorService clients = Executors.newFixedThreadPool(16);
    try {
      List<Future<String>> requests = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        String set = SETS.get(i % SETS.size());
        requests.add(
            clients.submit(
                () -> {
                  Map<String, Object> body = new HashMap<>();
                  body.put("type", "host");
                  body.put("attributes", Map.of("pool", pool, "set", set));
                  body.put("owner", pool);
                  body.put("waitTimeout", "15m");
                  return stack.api.post("api/v1/leases", body).ok().get("id").asText();
                }));
      }
      List<String> ids = new ArrayList<>();
      for (Future<String> request : requests) {
        ids.add(request.get());
      }
      return ids;
    } finally {
      clients.shutdownNow();
    }
  }

  /**
   * Releases every lease that became active, until none is pending or held any more. (The API lists
   * at most 500 leases: it is asked for the active ones only, and the database for what is open.)
   */
  private static void holdAndReleaseUntilAllEnd(CrashStack stack, String pool) {
    await()
        .atMost(Duration.ofMinutes(15))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              for (JsonNode lease : stack.api.leases("status=active&owner=" + pool)) {
                SlipwayClient.Reply release =
                    stack.api.post(
                        "api/v1/leases/" + lease.get("id").asText() + "/release", Map.of());
                // 409: released since it was listed (a release is carried out asynchronously)
                if (release.status() != 409) {
                  release.ok();
                }
              }
              return openLeases(stack, pool) == 0;
            });
  }

  private static int openLeases(CrashStack stack, String pool) throws Exception {
    try (Connection c = stack.sql();
        PreparedStatement q =
            c.prepareStatement(
                "select count(*) from leases where owner = ?"
                    + " and status in ('pending', 'acquired', 'active')")) {
      q.setString(1, pool);
      try (ResultSet rs = q.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  /** How each lease of the pool ended: {@code released}, or {@code failed: <reason>}. */
  private static Map<String, String> endings(CrashStack stack, String pool) throws Exception {
    Map<String, String> ended = new HashMap<>();
    try (Connection c = stack.sql();
        PreparedStatement q =
            c.prepareStatement("select id, status, reason from leases where owner = ?")) {
      q.setString(1, pool);
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          String status = rs.getString(2);
          String reason = rs.getString(3);
          ended.put(
              rs.getString(1),
              status.equals("failed") ? "failed: " + (reason == null ? "" : reason) : status);
        }
      }
    }
    return ended;
  }

  /**
   * The most leases each host held at once, replayed from lease_history: a lease holds its slot
   * from the first row that puts it on a resource until the row that releases or fails it.
   */
  private static Map<String, Integer> peakLeasesPerHost(CrashStack stack, String pool)
      throws Exception {
    Map<String, Integer> current = new HashMap<>();
    Map<String, Integer> peak = new HashMap<>();
    Map<String, String> holding = new HashMap<>();
    try (Connection c = stack.sql();
        PreparedStatement q =
            c.prepareStatement(
                "select h.lease_id, h.resource_id, h.status from lease_history h join leases l"
                    + " on l.id = h.lease_id where l.owner = ? order by h.id")) {
      q.setString(1, pool);
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          String lease = rs.getString(1);
          String host = rs.getString(2);
          String status = rs.getString(3);
          boolean held = status.equals("acquired") || status.equals("active");
          if (held && !holding.containsKey(lease)) {
            holding.put(lease, host);
            int now = current.merge(host, 1, Integer::sum);
            peak.merge(host, now, Math::max);
          } else if (!held && holding.containsKey(lease)) {
            current.merge(holding.remove(lease), -1, Integer::sum);
          }
        }
      }
    }
    return peak;
  }

  /**
   * Among the leases of one attribute set that were still waiting once every request had been made,
   * the older one (smaller {@code seq}) always got its slot first.
   */
  private static void assertServedInOrder(
      CrashStack stack, String pool, String set, Instant allAsked) throws Exception {
    List<Long> order = new ArrayList<>();
    Set<Long> seen = new HashSet<>();
    try (Connection c = stack.sql();
        PreparedStatement q =
            c.prepareStatement(
                "select l.seq from lease_history h join leases l on l.id = h.lease_id"
                    + " where l.owner = ? and l.attributes ->> 'set' = ?"
                    + " and h.status = 'acquired' and h.at > ? order by h.id")) {
      q.setString(1, pool);
      q.setString(2, set);
      q.setTimestamp(3, Timestamp.from(allAsked));
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          long seq = rs.getLong(1);
          if (seen.add(seq)) {
            order.add(seq);
          }
        }
      }
    }
    assertTrue(order.size() > 10, "leases of set " + set + " waited: " + order.size());
    for (int i = 1; i < order.size(); i++) {
      assertTrue(
          order.get(i - 1) < order.get(i),
          "set "
              + set
              + ": lease seq "
              + order.get(i)
              + " was served after seq "
              + order.get(i - 1)
              + " although it was asked for first; order "
              + order);
    }
  }
}
