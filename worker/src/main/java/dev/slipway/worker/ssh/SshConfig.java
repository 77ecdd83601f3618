package dev.slipway.worker.ssh;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** {@code slipway.ssh.*}: timeouts on every step of reaching a host, and where commands spool. */
@ConfigMapping(prefix = "slipway.ssh")
public interface SshConfig {

  @WithDefault("10s")
  Duration connectTimeout();

  @WithDefault("10s")
  Duration authTimeout();

  @WithDefault("10s")
  Duration openTimeout();

  /**
   * Whether a host registered without a host key has the key it presents on first contact pinned
   * (trust on first use); when false such a host is refused and marked broken.
   */
  @WithDefault("true")
  boolean pinOnFirstContact();

  /** How long a lost connection is retried while a command runs before the command fails. */
  @WithDefault("30s")
  Duration reconnectFor();

  /** Between TERM and KILL when a command's process group is stopped. */
  @WithDefault("5s")
  Duration killGrace();

  /** Spool directory of commands on POSIX hosts, relative to the SSH user's home. */
  @WithDefault(".slipway/run")
  String spoolDir();
}
