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
}
