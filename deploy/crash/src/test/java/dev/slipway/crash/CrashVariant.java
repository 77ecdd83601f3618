package dev.slipway.crash;

import java.time.Duration;

/**
 * How hard the suite pushes: the short variant runs with {@code ./mvnw verify}, the long one with
 * {@code -Dslipway.crash.long=true}. {@code -Dslipway.crash.seed=N} replays a run's random choices.
 *
 * @param builds how many builds run while faults are injected
 * @param faultsPerKind how many faults of each {@link Fault.Kind} are injected
 * @param outage how long the database refuses every session in a database outage
 * @param leaseRequests how many lease requests the allocation test sends at once
 * @param allocators how many workers allocate in the allocation test
 */
record CrashVariant(
    String name,
    long seed,
    int builds,
    int faultsPerKind,
    Duration outage,
    int leaseRequests,
    int allocators) {

  static CrashVariant fromSystemProperties() {
    String seedProperty = System.getProperty("slipway.crash.seed", "");
    long seed = seedProperty.isBlank() ? System.nanoTime() : Long.parseLong(seedProperty.trim());
    if (Boolean.getBoolean("slipway.crash.long")) {
      return new CrashVariant("long", seed, 50, 3, Duration.ofSeconds(20), 1_000, 3);
    }
    return new CrashVariant("short", seed, 12, 1, Duration.ofSeconds(10), 200, 2);
  }
}
