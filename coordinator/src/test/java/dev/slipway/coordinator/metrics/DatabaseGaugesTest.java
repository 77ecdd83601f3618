package dev.slipway.coordinator.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** How pending leases become the bounded rows of {@code slipway_leases_pending_by_attributes}. */
class DatabaseGaugesTest {

  @Test
  void anAttributeSetIsOneLabelWithItsKeysSorted() {
    assertEquals(
        "platform=linux,role=build",
        DatabaseGauges.canonical("{\"role\": \"build\", \"platform\": \"linux\"}"));
    assertEquals("(none)", DatabaseGauges.canonical("{}"));
    String longValue = "x".repeat(500);
    String cut = DatabaseGauges.canonical("{\"k\": \"" + longValue + "\"}");
    assertEquals(DatabaseGauges.MAX_LABEL, cut.length());
    assertEquals("k=xxx", cut.substring(0, 5));
    assertEquals("...", cut.substring(cut.length() - 3));
  }

  @Test
  void onlyTheFirstSetsAreShownOneByOneAndTheRestSummedByType() {
    List<Object[]> sets =
        List.of(
            new Object[] {"host", "{\"pool\": \"a\"}", 5L},
            new Object[] {"host", "{\"pool\": \"b\"}", 3L},
            new Object[] {"working-copy", "{\"pool\": \"a\"}", 2L},
            new Object[] {"host", "{\"pool\": \"c\"}", 1L},
            new Object[] {"host", "{\"pool\": \"d\"}", 1L});

    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MultiGauge.builder("pending").register(registry).register(DatabaseGauges.pendingRows(sets, 2));

    Map<String, Double> shown = new TreeMap<>();
    registry
        .find("pending")
        .gauges()
        .forEach(
            g ->
                shown.put(
                    g.getId().getTag("type") + " " + g.getId().getTag("attributes"), g.value()));
    assertEquals(
        Map.of(
            "host pool=a", 5.0,
            "host pool=b", 3.0,
            "host (other)", 2.0,
            "working-copy (other)", 2.0),
        shown);
  }

  @Test
  void setsWithTheSameLabelAreSummedIntoOneRow() {
    List<Object[]> sets =
        List.of(
            new Object[] {"host", "{\"a\": \"1\", \"b\": \"2\"}", 4L},
            new Object[] {"host", "{\"a\": \"1,b=2\"}", 3L},
            new Object[] {"host", "{\"k\": \"" + "x".repeat(300) + "1\"}", 2L},
            new Object[] {"host", "{\"k\": \"" + "x".repeat(300) + "2\"}", 1L});

    assertEquals(
        Map.of(
            "host a=1,b=2", 7.0, "host k=" + "x".repeat(DatabaseGauges.MAX_LABEL - 5) + "...", 3.0),
        shown(sets, 10));
  }

  @Test
  void settingsThatCannotWorkAreRefusedByName() {
    IllegalArgumentException interval =
        assertThrows(
            IllegalArgumentException.class,
            () -> DatabaseGauges.validate(config(Duration.ZERO, 10)));
    assertTrue(
        interval.getMessage().startsWith("slipway.metrics.refresh-interval must be positive"));
    IllegalArgumentException sets =
        assertThrows(
            IllegalArgumentException.class,
            () -> DatabaseGauges.validate(config(Duration.ofSeconds(15), 0)));
    assertTrue(
        sets.getMessage().startsWith("slipway.metrics.pending-attribute-sets must be positive"));
    DatabaseGauges.validate(config(Duration.ofSeconds(15), 1));
  }

  @Test
  void failedReadsAreWarnedOfAtMostOncePerMinute() {
    DatabaseGauges gauges = new DatabaseGauges();
    long minute = DatabaseGauges.WARN_EVERY.toNanos();
    assertTrue(gauges.warnNow(0));
    assertFalse(gauges.warnNow(minute - 1));
    assertTrue(gauges.warnNow(minute));
    assertFalse(gauges.warnNow(minute + 1));
  }

  private static Map<String, Double> shown(List<Object[]> sets, int limit) {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MultiGauge.builder("pending")
        .register(registry)
        .register(DatabaseGauges.pendingRows(sets, limit));
    Map<String, Double> shown = new TreeMap<>();
    registry
        .find("pending")
        .gauges()
        .forEach(
            g ->
                shown.put(
                    g.getId().getTag("type") + " " + g.getId().getTag("attributes"), g.value()));
    return shown;
  }

  private static MetricsConfig config(Duration refreshInterval, int pendingAttributeSets) {
    return new MetricsConfig() {
      @Override
      public Duration refreshInterval() {
        return refreshInterval;
      }

      @Override
      public int pendingAttributeSets() {
        return pendingAttributeSets;
      }
    };
  }
}
