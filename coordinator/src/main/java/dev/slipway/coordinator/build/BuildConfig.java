package dev.slipway.coordinator.build;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** {@code slipway.builds.*} */
@ConfigMapping(prefix = "slipway.builds")
public interface BuildConfig {

  /** How many logs may be followed at once ({@code follow=true}); each holds a thread. */
  @WithDefault("64")
  int maxLogFollowers();

  /** Timeout of a {@code run} step that sets none. */
  @WithDefault("1h")
  Duration defaultCommandTimeout();

  /**
   * How much output (stdout and stderr together) of one step is stored; the rest is dropped, and
   * the log says so once.
   */
  @WithDefault("64M")
  MemorySize maxLogBytesPerStep();
}
