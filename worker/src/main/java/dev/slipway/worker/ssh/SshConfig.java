package dev.slipway.worker.ssh;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** {@code slipway.ssh.*}: timeouts on every step of reaching a host. */
@ConfigMapping(prefix = "slipway.ssh")
public interface SshConfig {

  @WithDefault("10s")
  Duration connectTimeout();

  @WithDefault("10s")
  Duration authTimeout();

  @WithDefault("10s")
  Duration openTimeout();
}
