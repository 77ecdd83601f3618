package dev.slipway.worker.provisioning;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** {@code slipway.provisioning.*}: how allocator workers make and destroy dynamic hosts. */
@ConfigMapping(prefix = "slipway.provisioning")
public interface ProvisioningConfig {

  /**
   * How often a worker renews its claim on the hosts it is making or destroying; a claim not
   * renewed for three intervals is taken over by another allocator's reaper (the first one died).
   */
  @WithDefault("5s")
  Duration heartbeatInterval();

  /**
   * How often the reaper looks for idle hosts past their {@code idleTtl}, releases whose destroy
   * failed, provisionings that died, warm pools below {@code minIdle}, and (with {@code list})
   * instances unknown to Slipway.
   */
  @WithDefault("10s")
  Duration reapInterval();

  /** How often the reaper runs a blueprint's {@code list} (it runs a process at the provider). */
  @WithDefault("1m")
  Duration listInterval();

  /** How long after a failed {@code destroy} the reaper tries it again. */
  @WithDefault("30s")
  Duration destroyRetry();

  /**
   * The worker's environment variables a blueprint's scripts see (besides the {@code SLIPWAY_*}
   * ones Slipway sets): the rest of the worker's environment (database passwords, tokens) is never
   * passed. A name ending in {@code *} passes every variable it begins.
   */
  @WithDefault("PATH,HOME,USER,LOGNAME,LANG,LC_ALL,TMPDIR,TZ")
  List<String> passEnvironment();

  /**
   * Where each run of a script gets its private directory (the script given in a config is written
   * there and run from there, so it must not be mounted {@code noexec}); the JVM's temporary
   * directory when unset.
   */
  Optional<Path> scriptDirectory();

  /** Most bytes of a script's standard output read (what provision prints is small). */
  @WithDefault("1048576")
  int maxOutputBytes();

  /** Most lines of a script's standard error kept in the resource's log per run. */
  @WithDefault("500")
  int maxLogLines();
}
