package dev.slipway.platform.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * What Slipway's own meters have in common (docs/metrics.md): every name starts with {@code
 * slipway.} ({@code slipway_} in Prometheus form), and every duration is a histogram over the same
 * fixed buckets, from 10 ms to an hour, so that a quantile can be computed across replicas.
 */
public final class Meters {

  /** The upper bounds of the histograms' buckets ({@code le} in Prometheus form). */
  static final Duration[] BUCKETS = {
    Duration.ofMillis(10),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10),
    Duration.ofSeconds(30),
    Duration.ofMinutes(1),
    Duration.ofMinutes(5),
    Duration.ofMinutes(15),
    Duration.ofMinutes(30),
    Duration.ofHours(1)
  };

  private Meters() {}

  /**
   * The histogram {@code name} with {@code tags} (key, value, ...), made on first use. A negative
   * duration (clocks of two machines) is recorded as 0.
   */
  public static void record(
      MeterRegistry registry, String name, String description, Duration took, String... tags) {
    Timer.builder(name)
        .description(description)
        .tags(Tags.of(tags))
        .serviceLevelObjectives(BUCKETS)
        .register(registry)
        .record(took.isNegative() ? Duration.ZERO : took);
  }

  /** Adds one to the counter {@code name} with {@code tags} (key, value, ...). */
  public static void count(
      MeterRegistry registry, String name, String description, String... tags) {
    Counter.builder(name)
        .description(description)
        .tags(Tags.of(tags))
        .register(registry)
        .increment();
  }
}
