package dev.slipway.crash;

import java.time.Duration;

/**
 * One fault the suite injected: what, when (since the run started), how many builds were still
 * running then, and on what.
 */
record Fault(Kind kind, Duration at, int buildsInFlight, String detail) {

  enum Kind {
    /** A worker's JVM gets SIGKILL; its supervisor starts it again. */
    WORKER_KILLED,
    /** The coordinator's JVM gets SIGKILL; its supervisor starts it again. */
    COORDINATOR_KILLED,
    /** The Kafka broker gets SIGKILL and is started again on its data directory and ports. */
    BROKER_RESTARTED,
    /** Every PostgreSQL session of the database is terminated, and new ones refused, a while. */
    DATABASE_OUTAGE
  }

  @Override
  public String toString() {
    return String.format(
        "t+%5.1fs %-18s %2d builds in flight; %s",
        at.toMillis() / 1000.0, kind, buildsInFlight, detail);
  }
}
