package dev.slipway.worker.runner;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * {@code slipway.runner.*}: how runners vouch for the commands they follow, and how long spools of
 * unknown commands stay on hosts.
 */
@ConfigMapping(prefix = "slipway.runner")
public interface RunnerConfig {

  /** How often a runner renews the heartbeat of its running commands and looks for orphans. */
  @WithDefault("2s")
  Duration heartbeat();

  /** A running command whose heartbeat is older than this is re-attached by another runner. */
  @WithDefault("10s")
  Duration orphanAfter();

  /**
   * A spool directory on a host that no command row claims (its command's row is gone, or it is no
   * command of this installation) is swept once nothing wrote to it for this long, unless its
   * command still runs there ({@link SpoolSweeper}).
   */
  @WithDefault("7d")
  Duration spoolMaxAge();
}
