package dev.slipway.common.events;

/** Kafka topic names (see docs/events.md). */
public final class Topics {

  public static final String BUILDS = "slipway.builds";
  public static final String LEASE_REQUESTS = "slipway.lease-requests";
  public static final String LEASES = "slipway.leases";
  public static final String RESOURCES = "slipway.resources";
  public static final String COMMAND_REQUESTS = "slipway.command-requests";
  public static final String COMMAND_OUTPUT = "slipway.command-output";
  public static final String COMMAND_RESULTS = "slipway.command-results";
  public static final String AUDIT = "slipway.audit";

  private Topics() {}

  /** The dead-letter topic of {@code topic}. */
  public static String deadLetter(String topic) {
    return topic + ".dlq";
  }
}
