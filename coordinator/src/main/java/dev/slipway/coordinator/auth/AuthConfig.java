package dev.slipway.coordinator.auth;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** {@code slipway.auth.*}. See docs/security.md. */
@ConfigMapping(prefix = "slipway.auth")
public interface AuthConfig {

  /** Callers without a token may read what a {@code viewer} reads. Off by default. */
  @WithDefault("false")
  boolean anonymousRead();
}
