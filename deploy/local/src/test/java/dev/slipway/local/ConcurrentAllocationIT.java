package dev.slipway.local;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.stack.SshTestHost;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Three allocator replicas, 5 hosts with 2 slots each, 500 lease requests at once: no host ever
 * holds more than 2 leases (checked over the whole history, not only at the end), and every request
 * ends acquired (and then released) or failed with a reason.
 */
class ConcurrentAllocationIT {

  private static final int HOSTS = 5;
  private static final int SLOTS = 2;
  private static final int LEASES = 500;

  @Test
  void threeAllocatorsNeverPutMoreLeasesOnAHostThanItHasSlots() throws Exception {
    E2eStack stack = E2eStack.get();
    stack.services.addWorker(Map.of("SLIPWAY_WORKER_RUNNER_ENABLED", "false"));
    stack.services.addWorker(Map.of("SLIPWAY_WORKER_RUNNER_ENABLED", "false"));
    SshTestHost machine = stack.sshHost();
    String pool = E2eStack.newPool();
    for (int i = 0; i < HOSTS; i++) {
      stack.registerHost(
          machine,
          machine.clientPrivateKeyPem(),
          pool + "-" + i,
          "linux",
          Map.of("pool", pool),
          SLOTS);
    }

    List<String> ids = requestAll(stack, pool);
    holdAndReleaseUntilAllEnd(stack, pool);

    int acquired = 0;
    for (JsonNode lease : stack.api.leases("owner=" + pool)) {
      String status = lease.get("status").asText();
      assertTrue(status.equals("released") || status.equals("failed"), "lease ended " + lease);
      if (status.equals("failed")) {
        assertTrue(!lease.get("reason").isNull(), "failed without a reason: " + lease);
      } else {
        acquired++;
      }
    }
    assertEquals(LEASES, ids.size());
    assertEquals(LEASES, acquired, "all leases got a slot in the end (they wait up to 5 minutes)");
    Map<String, Integer> peaks = peakLeasesPerHost(stack, pool);
    assertEquals(HOSTS, peaks.size(), peaks.toString());
    peaks.forEach(
        (host, peak) -> assertTrue(peak <= SLOTS, host + " held " + peak + " leases at once"));
    assertTrue(peaks.values().stream().anyMatch(p -> p == SLOTS), "slots were used: " + peaks);
  }

  private static List<String> requestAll(E2eStack stack, String pool) throws Exception {
    ExecutorService clients = Executors.newFixedThreadPool(16);
    try {
      List<Future<String>> requests = new ArrayList<>();
      for (int i = 0; i < LEASES; i++) {
        requests.add(
            clients.submit(
                () -> {
                  Map<String, Object> body = new HashMap<>();
                  body.put("type", "host");
                  body.put("attributes", Map.of("pool", pool));
                  body.put("owner", pool);
                  body.put("waitTimeout", "5m");
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

  /** Releases every lease that became active, until none is pending or active any more. */
  private static void holdAndReleaseUntilAllEnd(E2eStack stack, String pool) {
    await()
        .atMost(Duration.ofMinutes(5))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              boolean open = false;
              for (JsonNode lease : stack.api.leases("owner=" + pool)) {
                String status = lease.get("status").asText();
                if (status.equals("active")) {
                  stack.api.post(
                      "api/v1/leases/" + lease.get("id").asText() + "/release", Map.of());
                }
                open |=
                    status.equals("pending")
                        || status.equals("active")
                        || status.equals("acquired");
              }
              return !open;
            });
  }

  /**
   * The most leases each host held at once, replayed from lease_history: a lease holds its slot
   * from its 'acquired' row to its 'released' row.
   */
  private static Map<String, Integer> peakLeasesPerHost(E2eStack stack, String pool)
      throws Exception {
    Map<String, Integer> current = new HashMap<>();
    Map<String, Integer> peak = new HashMap<>();
    try (Connection c = stack.sql();
        PreparedStatement q =
            c.prepareStatement(
                "select h.resource_id, h.status from lease_history h join leases l"
                    + " on l.id = h.lease_id where l.owner = ?"
                    + " and h.status in ('acquired', 'released') order by h.at, h.id")) {
      q.setString(1, pool);
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          String host = rs.getString(1);
          int now = current.merge(host, rs.getString(2).equals("acquired") ? 1 : -1, Integer::sum);
          peak.merge(host, now, Math::max);
        }
      }
    }
    return peak;
  }
}
