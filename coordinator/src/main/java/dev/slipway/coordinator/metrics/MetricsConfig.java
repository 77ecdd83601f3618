package dev.slipway.coordinator.metrics;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * {@code slipway.metrics.*}: the gauges the coordinator reads from the database (docs/metrics.md).
 */
@ConfigMapping(prefix = "slipway.metrics")
public interface MetricsConfig {

  /** How often the database gauges are read again (each time: a few counting queries). */
  @WithDefault("15s")
  Duration refreshInterval();

  /**
   * How many attribute sets {@code slipway_leases_pending_by_attributes} shows one by one (those
   * with the most pending leases); pending leases of other sets are summed into {@code
   * attributes="(other)"}.
   */
  @WithDefault("10")
  int pendingAttributeSets();
}
