package dev.slipway.platform.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * What Slipway's own meters have in common (docs/metrics.md): every name starts with {@code
 * slipway.} ({@code slipway_} in Prometheus form), and every duration is a histogram over the same
 * fixed buckets, from 10 ms to an hour, so that a quantile can be computed across replicas.
 * Recording never throws: a metric must not break what it measures (a tag without a value is
 * {@value #UNKNOWN}; any other failure is logged and the value dropped).
 */
public final class Meters {

  private static final Logger LOG = Logger.getLogger(Meters.class);

  /** The value of a tag given none. */
  static final String UNKNOWN = "unknown";

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
    try {
      Timer.builder(name)
          .description(description)
          .tags(tags(tags))
          .serviceLevelObjectives(BUCKETS)
          .register(registry)
          .record(took == null || took.isNegative() ? Duration.ZERO : took);
    } catch (RuntimeException e) {
      LOG.warnf("metrics: %s not recorded: %s", name, e);
    }
  }

  /** Adds one to the counter {@code name} with {@code tags} (key, value, ...). */
  public static void count(
      MeterRegistry registry, String name, String description, String... tags) {
    try {
      Counter.builder(name)
          .description(description)
          .tags(tags(tags))
          .register(registry)
          .increment();
    } catch (RuntimeException e) {
      LOG.warnf("metrics: %s not counted: %s", name, e);
    }
  }

  private static Tags tags(String... keyValues) {
    String[] safe = keyValues.clone();
    for (int i = 1; i < safe.length; i += 2) {
      if (safe[i] == null) {
        safe[i] = UNKNOWN;
      }
    }
    return Tags.of(safe);
  }
}
