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

  /**
   * How often the reconciler looks for builds that should have moved and did not (an event lost or
   * dead-lettered); one coordinator at a time does it.
   */
  @WithDefault("10s")
  Duration reconcileInterval();

  /**
   * How long a build may wait for an event before the reconciler moves it from the database's
   * truth: a lost event is repaired within this plus {@link #reconcileInterval()}.
   */
  @WithDefault("20s")
  Duration reconcileAfter();

  /** Whether this coordinator takes part in reconciliation (tests call it themselves). */
  @WithDefault("true")
  boolean reconcileEnabled();

  /**
   * How long after its result arrived a step waits for the rest of its output (on another topic,
   * which may lag behind) before it completes with what arrived, its log marked incomplete.
   */
  @WithDefault("2m")
  Duration missingOutputAfter();
}
