package dev.slipway.common.events;

/**
 * Reactive-messaging channel names. Incoming channels end in {@code -in}; each is mapped to its
 * topic in the consuming service's application.properties.
 */
public final class Channels {

  public static final String LEASE_REQUESTS_IN = "lease-requests-in";
  public static final String LEASES_IN = "leases-in";
  public static final String COMMAND_REQUESTS_IN = "command-requests-in";
  public static final String COMMAND_OUTPUT_IN = "command-output-in";
  public static final String COMMAND_RESULTS_IN = "command-results-in";

  private Channels() {}
}
