package dev.slipway.common.attributes;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * How matching resources are ranked for a lease, best first: the one that makes the lease cheapest
 * (for a working copy: the repository is already on that host), then the least loaded (the fewest
 * leases held: an index on {@code (type, leases_held, created_at)} serves this order, so a pool of
 * 10,000 hosts is ranked without sorting it), then the oldest, then by id so that the order is
 * total. Declared once: {@link #comparator()} ranks candidates in Java, {@link #sqlOrder(String)}
 * gives the same order to the reservation statement in PostgreSQL.
 */
public final class Ranking {

  /** A resource that could serve a lease, as ranking sees it. */
  public record Candidate(String id, int cost, int leasesHeld, Instant createdAt) {}

  private enum Key {
    COST(Comparator.comparingInt(Candidate::cost), null),
    LEASES(Comparator.comparingInt(Candidate::leasesHeld), "leases_held"),
    AGE(Comparator.comparing(Candidate::createdAt), "created_at"),
    ID(Comparator.comparing(Candidate::id), "id");

    final Comparator<Candidate> order;
    final String sql;

    Key(Comparator<Candidate> order, String sql) {
      this.order = order;
      this.sql = sql;
    }
  }

  private static final List<Key> KEYS = List.of(Key.values());

  private Ranking() {}

  /** Best candidate first. */
  public static Comparator<Candidate> comparator() {
    return KEYS.stream().map(k -> k.order).reduce(Comparator::thenComparing).orElseThrow();
  }

  /**
   * The same order as an SQL {@code order by} list over the {@code resources} columns.
   *
   * @param costExpression the SQL expression of a row's cost, or null when every candidate costs
   *     the same (hosts)
   */
  public static String sqlOrder(String costExpression) {
    return KEYS.stream()
        .map(k -> k == Key.COST ? costExpression : k.sql)
        .filter(sql -> sql != null)
        .collect(Collectors.joining(", "));
  }
}
