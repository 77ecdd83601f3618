package dev.slipway.platform.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Recording a metric never throws: it must not break what it measures. */
class MetersTest {

  @Test
  void aTagWithoutAValueIsUnknown() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();

    Meters.record(registry, "t", "a timer", Duration.ofSeconds(2), "outcome", null);
    Meters.count(registry, "c", "a counter", "action", null);

    assertEquals(1, registry.get("t").tag("outcome", Meters.UNKNOWN).timer().count());
    assertEquals(1.0, registry.get("c").tag("action", Meters.UNKNOWN).counter().count());
  }

  @Test
  void aMeterThatCannotBeMadeIsDroppedNotThrown() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();

    Meters.record(registry, "t", "a timer", Duration.ofSeconds(2), "outcome"); // no value
    Meters.count(registry, "c", "a counter", "action");

    assertEquals(0, registry.getMeters().size());
  }
}
