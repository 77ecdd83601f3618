package dev.slipway.common.status;

/**
 * A status in one of Slipway's state machines. Each enum lists the statuses it may move to; {@link
 * Transitions#check} is the one place that enforces them.
 */
public interface Status {

  /** The wire name, e.g. {@code "acquired"}. */
  String wireName();

  /** Whether the machine may move from this status to {@code next}. */
  boolean canMoveTo(Status next);

  /** Whether no transition leaves this status. */
  boolean isFinal();
}
