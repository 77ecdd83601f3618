package dev.slipway.worker.allocation;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** {@code slipway.allocator.*} */
@ConfigMapping(prefix = "slipway.allocator")
public interface AllocatorConfig {

  /** How long a lease that gives no {@code waitTimeout} may wait for a slot. */
  @WithDefault("10m")
  Duration defaultWaitTimeout();

  /** How often the reaper looks for leases whose wait timed out or whose heartbeat expired. */
  @WithDefault("1s")
  Duration reaperInterval();

  /**
   * How long a lease group may wait before it has priority: a drain then serves no newer lease that
   * could take a slot on a host one of its members could use ({@link GroupAllocation}).
   */
  @WithDefault("30s")
  Duration groupPriorityAfter();
}
