package dev.slipway.local;

import dev.slipway.common.events.EventTypes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a lease's latency goes, stage by stage, from clocks of one machine: the client's POST, the
 * lease's history rows (written inside the coordinator's and the allocator's transactions), the
 * Kafka record timestamps (set by each outbox relay when it sends) and the observer's receipt.
 */
final class StageTrace {

  private StageTrace() {}

  static long nowMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }

  static void print(
      E2eStack stack, Map<String, Long> postedAt, Map<String, Long> sentAt, Map<String, Long> seen)
      throws Exception {
    Map<String, long[]> history = history(stack, postedAt.keySet());
    List<long[]> rows = new ArrayList<>();
    for (Map.Entry<String, Long> posted : postedAt.entrySet()) {
      String id = posted.getKey();
      long[] h = history.get(id);
      Long requestedSent = sentAt.get(id + " " + EventTypes.LEASE_REQUESTED);
      Long activatedSent = sentAt.get(id + " " + EventTypes.LEASE_ACTIVATED);
      Long observed = seen.get(id);
      if (h == null || requestedSent == null || activatedSent == null || observed == null) {
        continue;
      }
      rows.add(
          new long[] {
            h[0] - posted.getValue(),
            requestedSent * 1000 - h[0],
            h[1] - requestedSent * 1000,
            activatedSent * 1000 - h[1],
            observed - activatedSent * 1000
          });
    }
    String[] names = {
      "  stage: POST → lease row (REST, coordinator tx)",
      "  stage: lease row → lease.requested sent (commit, relay)",
      "  stage: sent → active in allocator (Kafka, consumer, drain)",
      "  stage: active → lease.activated sent (commit, relay)",
      "  stage: sent → observed (Kafka)"
    };
    for (int stage = 0; stage < names.length; stage++) {
      long[] nanos = new long[rows.size()];
      for (int i = 0; i < nanos.length; i++) {
        nanos[i] = rows.get(i)[stage] * 1000;
      }
      LeaseLatencyBenchmark.print(names[stage], nanos);
    }
  }

  /** Epoch µs of each lease's pending and active history rows. */
  private static Map<String, long[]> history(E2eStack stack, Iterable<String> ids)
      throws Exception {
    Map<String, long[]> history = new HashMap<>();
    try (Connection c = stack.sql();
        PreparedStatement q =
            c.prepareStatement(
                "select lease_id, status, (extract(epoch from at) * 1000000)::bigint"
                    + " from lease_history where lease_id = any(?) and status in"
                    + " ('pending', 'active')")) {
      List<String> all = new ArrayList<>();
      ids.forEach(all::add);
      q.setArray(1, c.createArrayOf("text", all.toArray()));
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          long[] h = history.computeIfAbsent(rs.getString(1), k -> new long[2]);
          h["pending".equals(rs.getString(2)) ? 0 : 1] = rs.getLong(3);
        }
      }
    }
    return history;
  }
}
