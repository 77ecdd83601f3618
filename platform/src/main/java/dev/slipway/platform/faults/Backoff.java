package dev.slipway.platform.faults;

import java.time.Duration;

/**
 * A capped exponential backoff: 100 ms, 200 ms, 400 ms, ... up to {@code max}, then {@code max} for
 * as long as it is asked.
 */
public final class Backoff {

  private static final long FIRST_MILLIS = 100;

  private final long maxMillis;
  private long next = FIRST_MILLIS;

  public Backoff(Duration max) {
    this.maxMillis = Math.max(FIRST_MILLIS, max.toMillis());
  }

  /** The next pause, in milliseconds. */
  public long nextMillis() {
    long now = Math.min(next, maxMillis);
    next = Math.min(next * 2, maxMillis);
    return now;
  }

  /** Starts over at the first pause. */
  public void reset() {
    next = FIRST_MILLIS;
  }
}
