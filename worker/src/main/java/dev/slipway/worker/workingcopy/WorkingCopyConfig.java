package dev.slipway.worker.workingcopy;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** {@code slipway.working-copies.*}: how allocators keep working copies. */
@ConfigMapping(prefix = "slipway.working-copies")
public interface WorkingCopyConfig {

  /**
   * Where a host keeps its working copies and mirrors when it was registered without {@code
   * workingCopyRoot}; relative to the SSH user's home.
   */
  @WithDefault(".slipway/working-copies")
  String defaultRoot();

  /**
   * How many working copies a host keeps when its blueprint's config sets no {@code
   * workingCopies.maxCopies}.
   */
  @WithDefault("10")
  int defaultMaxCopies();

  /** How long one checkout (clone or recycle) may take before the copy counts as broken. */
  @WithDefault("30m")
  Duration gitTimeout();

  /**
   * How often a worker renews its claim on the checkouts and cleanups it is doing; a claim not
   * renewed for three intervals is taken over by another allocator (the first one died).
   */
  @WithDefault("5s")
  Duration heartbeatInterval();

  /** How long cleaning a released copy waits for the commands still running in it to be killed. */
  @WithDefault("60s")
  Duration commandsGoneTimeout();
}
