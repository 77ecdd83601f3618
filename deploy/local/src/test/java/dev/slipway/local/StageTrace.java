package dev.slipway.local;

import dev.slipway.common.events.EventTypes;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
    printStages(names, rows);
  }

  /**
   * Where P1's time goes (lease.requested sent → lease.acquired sent), from the allocator's side:
   * the record's wait until the allocator's transaction for it began (Kafka, and the events queued
   * before it on the allocator's one consumer), that transaction's work until the lease was
   * acquired (its {@code acquired} history row), and the rest (activation, commit, the relay). Then
   * the same wait for each lease's release request, which the allocator applies on the same thread.
   */
  static void printAllocation(
      E2eStack stack,
      List<String> leases,
      Map<String, Long> sentAt,
      Map<String, String> requests,
      Map<String, String> releases)
      throws Exception {
    Map<String, Long> began = new HashMap<>();
    Map<String, Long> acquired = new HashMap<>();
    long caughtUp = System.nanoTime();
    int unapplied = unapplied(stack, requests.values());
    List<String> events = new ArrayList<>(requests.values());
    events.addAll(releases.values());
    // the releases too: the last ones are still on their way when the last lease is active
    while (unapplied(stack, events) > 0
        && System.nanoTime() - caughtUp < TimeUnit.SECONDS.toNanos(60)) {
      Thread.sleep(100);
    }
    System.out.printf(
        "  allocator backlog when the last lease was active: %d of %d requests not yet applied;"
            + " all applied (releases too) %.1f s later%n",
        unapplied, requests.size(), (System.nanoTime() - caughtUp) / 1e9);
    try (Connection c = stack.sql();
        PreparedStatement applied =
            c.prepareStatement(
                "select event_id, (extract(epoch from processed_at) * 1000000)::bigint"
                    + " from processed_events where consumer = 'allocator.lease-requests'"
                    + " and event_id = any(?)");
        PreparedStatement history =
            c.prepareStatement(
                "select lease_id, (extract(epoch from at) * 1000000)::bigint from lease_history"
                    + " where lease_id = any(?) and status = 'acquired'")) {
      applied.setArray(1, c.createArrayOf("text", events.toArray()));
      try (ResultSet rs = applied.executeQuery()) {
        while (rs.next()) {
          began.put(rs.getString(1), rs.getLong(2));
        }
      }
      history.setArray(1, c.createArrayOf("text", leases.toArray()));
      try (ResultSet rs = history.executeQuery()) {
        while (rs.next()) {
          acquired.put(rs.getString(1), rs.getLong(2));
        }
      }
    }
    List<long[]> rows = new ArrayList<>();
    for (String id : leases) {
      Long requested = sentAt.get(id + " " + EventTypes.LEASE_REQUESTED);
      Long acquiredSent = sentAt.get(id + " " + EventTypes.LEASE_ACQUIRED);
      String event = requests.get(id);
      Long start = event == null ? null : began.get(event);
      Long row = acquired.get(id);
      if (requested == null || acquiredSent == null || start == null || row == null) {
        continue;
      }
      rows.add(new long[] {start - requested * 1000, row - start, acquiredSent * 1000 - row});
    }
    String[] names = {
      "  stage: requested sent → allocator's transaction began",
      "  stage: transaction began → lease acquired (history row)",
      "  stage: acquired → lease.acquired sent (commit, relay)"
    };
    printStages(names, rows);
    List<long[]> releaseRows = new ArrayList<>();
    for (String id : leases) {
      Long sent = sentAt.get(id + " " + EventTypes.LEASE_RELEASE_REQUESTED);
      String event = releases.get(id);
      Long start = event == null ? null : began.get(event);
      if (sent != null && start != null) {
        releaseRows.add(new long[] {start - sent * 1000});
      }
    }
    printStages(
        new String[] {"  stage: release-requested sent → allocator's transaction began"},
        releaseRows);
  }

  /** Prints each stage of {@code rows} (µs per lease, a column per stage) under its name. */
  private static void printStages(String[] names, List<long[]> rows) {
    for (int stage = 0; stage < names.length; stage++) {
      long[] nanos = new long[rows.size()];
      for (int i = 0; i < nanos.length; i++) {
        nanos[i] = rows.get(i)[stage] * 1000;
      }
      LeaseLatencyBenchmark.print(names[stage], nanos);
    }
  }

  /** How many of the events {@code ids} the allocator has not applied yet. */
  private static int unapplied(E2eStack stack, Collection<String> ids) throws Exception {
    try (Connection c = stack.sql();
        PreparedStatement q =
            c.prepareStatement(
                "select count(*) from processed_events where consumer = 'allocator.lease-requests'"
                    + " and event_id = any(?)")) {
      q.setArray(1, c.createArrayOf("text", ids.toArray()));
      try (ResultSet rs = q.executeQuery()) {
        rs.next();
        return ids.size() - rs.getInt(1);
      }
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
