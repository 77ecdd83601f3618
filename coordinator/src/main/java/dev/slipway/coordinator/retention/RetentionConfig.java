package dev.slipway.coordinator.retention;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * {@code slipway.retention.*}: how long what piles up is kept (docs/config.md). A period of {@code
 * 0s} keeps it forever.
 */
@ConfigMapping(prefix = "slipway.retention")
public interface RetentionConfig {

  /** Whether this coordinator prunes (one coordinator at a time does, whatever this says). */
  @WithDefault("true")
  boolean enabled();

  /** How often the pruner runs. */
  @WithDefault("10m")
  Duration interval();

  /** Rows deleted per statement: each batch is a short transaction of its own. */
  @WithDefault("500")
  int batch();

  /**
   * Ids of applied events, kept to ignore a redelivery: at least twice as long as the topics keep
   * events (Kafka deletes whole segments, so a record may outlive the topic's retention).
   */
  @WithDefault("14d")
  Duration processedEvents();

  /** The history of every lease's and resource's transitions. */
  @WithDefault("30d")
  Duration history();

  /**
   * The logs of ended builds, counted from the build's end (the build itself stays), and each line
   * of a resource's log (what its blueprint's scripts wrote), counted from when it was written.
   */
  @WithDefault("30d")
  Duration logs();

  /** The artifacts of ended builds, counted from the build's end. */
  @WithDefault("30d")
  Duration artifacts();

  /** Ended builds, with their steps, commands, logs, artifacts and leases. */
  @WithDefault("90d")
  Duration builds();

  /** The audit log of API writes. */
  @WithDefault("365d")
  Duration audit();
}
