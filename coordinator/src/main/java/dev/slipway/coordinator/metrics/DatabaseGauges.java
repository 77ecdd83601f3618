package dev.slipway.coordinator.metrics;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.slipway.common.events.EventCodec;
import dev.slipway.common.status.BuildStatus;
import dev.slipway.common.status.LeaseStatus;
import dev.slipway.platform.resource.Resource;
import dev.slipway.platform.schedule.Periodic;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The gauges read from the database (docs/metrics.md): builds by status, live leases by type and
 * status, pending leases by attribute set (the {@code slipway.metrics.pending-attribute-sets} sets
 * with the most, the rest summed), and the outbox's backlog and parked rows. A few counting queries
 * every {@code slipway.metrics.refresh-interval} on a thread of their own, never on a scrape, so
 * that scraping costs the database nothing. Every coordinator reports the same installation-wide
 * values.
 */
@ApplicationScoped
public class DatabaseGauges {

  private static final Logger LOG = Logger.getLogger(DatabaseGauges.class);

  /** The {@code attributes} label of the pending leases of sets beyond the first N. */
  static final String OTHER = "(other)";

  /** The {@code attributes} label of a lease that asks for no attributes. */
  static final String NONE = "(none)";

  /** The longest {@code attributes} label; a longer one is cut and ends in {@code ...}. */
  static final int MAX_LABEL = 200;

  /** A failed read is logged at WARN at most this often while the failures last. */
  static final Duration WARN_EVERY = Duration.ofMinutes(1);

  private static final List<LeaseStatus> LIVE =
      List.of(LeaseStatus.PENDING, LeaseStatus.ACQUIRED, LeaseStatus.ACTIVE);
  private static final List<String> LEASE_TYPES =
      List.of(Resource.TYPE_HOST, Resource.TYPE_WORKING_COPY);

  @Inject EntityManager entityManager;
  @Inject MeterRegistry registry;
  @Inject MetricsConfig config;

  private MultiGauge builds;
  private MultiGauge leases;
  private MultiGauge pending;
  private volatile double outboxBacklog = Double.NaN;
  private volatile double outboxParked = Double.NaN;
  private Periodic timer;

  /** When a failed read was last logged ({@link System#nanoTime}); null while reads succeed. */
  private Long warnedAt;

  void start(@Observes StartupEvent event) {
    validate(config);
    builds =
        MultiGauge.builder("slipway.builds")
            .description("builds in each status (the database's count)")
            .register(registry);
    leases =
        MultiGauge.builder("slipway.leases")
            .description("pending, acquired and active leases by type (the database's count)")
            .register(registry);
    pending =
        MultiGauge.builder("slipway.leases.pending.by.attributes")
            .description("pending leases by the attributes they ask for")
            .register(registry);
    Gauge.builder("slipway.outbox.backlog", this, g -> g.outboxBacklog)
        .description("events written to the outbox and not yet relayed to Kafka")
        .register(registry);
    Gauge.builder("slipway.outbox.parked", this, g -> g.outboxParked)
        .description("events Kafka refused for good, parked in outbox_parked")
        .register(registry);
    timer = Periodic.every("metrics-refresh", config.refreshInterval(), this::refresh);
  }

  void stop(@Observes ShutdownEvent event) {
    if (timer != null) {
      timer.close();
    }
  }

  /** Refuses settings the gauges cannot work with, naming the setting. */
  static void validate(MetricsConfig config) {
    if (config.refreshInterval().toMillis() < 1) {
      throw new IllegalArgumentException(
          "slipway.metrics.refresh-interval must be positive (at least 1ms), not "
              + config.refreshInterval());
    }
    if (config.pendingAttributeSets() < 1) {
      throw new IllegalArgumentException(
          "slipway.metrics.pending-attribute-sets must be positive, not "
              + config.pendingAttributeSets());
    }
  }

  /**
   * Reads every gauge again; a failure (the database away) keeps the last values and is logged at
   * WARN: the first after a success, then at most once per {@link #WARN_EVERY}.
   */
  void refresh() {
    try {
      QuarkusTransaction.requiringNew().run(this::read);
      if (warnedAt != null) {
        LOG.info("metrics: the database gauges are read again");
        warnedAt = null;
      }
    } catch (RuntimeException e) {
      long now = System.nanoTime();
      if (warnNow(now)) {
        LOG.warnf(
            "metrics: reading the database gauges failed (they keep their last values): %s", e);
      }
    }
  }

  /** Whether a failed read at {@code now} (nanoTime) is logged; remembers it if so. */
  boolean warnNow(long now) {
    if (warnedAt != null && now - warnedAt < WARN_EVERY.toNanos()) {
      return false;
    }
    warnedAt = now;
    return true;
  }

  private void read() {
    Map<String, Long> byStatus = new LinkedHashMap<>();
    for (BuildStatus status : BuildStatus.values()) {
      byStatus.put(status.wireName(), 0L);
    }
    for (Object[] row : rows("select status, count(*) from builds group by status")) {
      byStatus.put((String) row[0], ((Number) row[1]).longValue());
    }
    builds.register(
        byStatus.entrySet().stream()
            .map(e -> MultiGauge.Row.of(Tags.of("status", e.getKey()), e.getValue()))
            .collect(Collectors.toList()),
        true);

    Map<Tags, Long> live = new LinkedHashMap<>();
    for (String type : LEASE_TYPES) {
      for (LeaseStatus status : LIVE) {
        live.put(Tags.of("type", type, "status", status.wireName()), 0L);
      }
    }
    for (Object[] row :
        rows(
            "select type, status, count(*) from leases where status in"
                + " ('pending', 'acquired', 'active') group by type, status")) {
      live.put(
          Tags.of("type", (String) row[0], "status", (String) row[1]),
          ((Number) row[2]).longValue());
    }
    leases.register(
        live.entrySet().stream()
            .map(e -> MultiGauge.Row.of(e.getKey(), e.getValue()))
            .collect(Collectors.toList()),
        true);

    List<Object[]> sets =
        rows(
            "select type, cast(attributes as text), count(*) from leases where status = 'pending'"
                + " group by type, attributes order by count(*) desc, type, cast(attributes as"
                + " text)");
    pending.register(pendingRows(sets, config.pendingAttributeSets()), true);

    outboxBacklog = count("select count(*) from outbox");
    outboxParked = count("select count(*) from outbox_parked");
  }

  /**
   * The rows of {@code slipway_leases_pending_by_attributes}: the first {@code limit} sets of
   * {@code sets} (type, attributes as JSON, count; most first) one by one, the rest summed by type
   * under {@link #OTHER}. Sets whose labels are the same ({@link #canonical} is not one-to-one:
   * values holding {@code ,} or {@code =}, labels cut short) are summed into one row.
   */
  static List<MultiGauge.Row<?>> pendingRows(List<Object[]> sets, int limit) {
    Map<Tags, Long> shown = new LinkedHashMap<>();
    Map<String, Long> other = new TreeMap<>();
    for (int i = 0; i < sets.size(); i++) {
      String type = (String) sets.get(i)[0];
      long count = ((Number) sets.get(i)[2]).longValue();
      if (i < limit) {
        shown.merge(
            Tags.of("type", type, "attributes", canonical((String) sets.get(i)[1])),
            count,
            Long::sum);
      } else {
        other.merge(type, count, Long::sum);
      }
    }
    other.forEach(
        (type, count) -> shown.merge(Tags.of("type", type, "attributes", OTHER), count, Long::sum));
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    shown.forEach((tags, count) -> rows.add(MultiGauge.Row.of(tags, count)));
    return rows;
  }

  /**
   * An attribute set as one label value: {@code key=value} pairs sorted by key, joined by commas
   * ({@code platform=linux,role=build}); {@value #NONE} when empty; at most {@value #MAX_LABEL}
   * characters.
   */
  static String canonical(String json) {
    Map<String, String> attributes;
    try {
      attributes =
          new TreeMap<>(
              EventCodec.mapper().readValue(json, new TypeReference<Map<String, String>>() {}));
    } catch (IOException e) {
      return OTHER;
    }
    if (attributes.isEmpty()) {
      return NONE;
    }
    String text =
        attributes.entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(","));
    return text.length() <= MAX_LABEL ? text : text.substring(0, MAX_LABEL - 3) + "...";
  }

  @SuppressWarnings("unchecked")
  private List<Object[]> rows(String sql) {
    return entityManager.createNativeQuery(sql).getResultList();
  }

  private double count(String sql) {
    return ((Number) entityManager.createNativeQuery(sql).getSingleResult()).doubleValue();
  }
}
