package dev.slipway.coordinator.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
}
