package dev.slipway.coordinator.build;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** {@code slipway.builds.*} */
@ConfigMapping(prefix = "slipway.builds")
public interface BuildConfig {

  /** Timeout of a {@code run} step that sets none. */
  @WithDefault("1h")
  Duration defaultCommandTimeout();
}
