package dev.slipway.worker.runner;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** {@code slipway.runner.*}: how runners vouch for the commands they follow. */
@ConfigMapping(prefix = "slipway.runner")
public interface RunnerConfig {

  /** How often a runner renews the heartbeat of its running commands and looks for orphans. */
  @WithDefault("2s")
  Duration heartbeat();

  /** A running command whose heartbeat is older than this is re-attached by another runner. */
  @WithDefault("10s")
  Duration orphanAfter();
}
