package dev.slipway.common.status;

import java.util.Locale;
import java.util.Set;

/**
 * A status in one of Slipway's state machines, implemented by enums. Each enum lists the statuses
 * it may move to; {@link Transitions#check} is the one place that enforces them.
 */
public interface Status {

  /** The statuses this one may move to. */
  Set<? extends Status> next();

  /** Whether the machine may move from this status to {@code next}. */
  default boolean canMoveTo(Status next) {
    return next().contains(next);
  }

  /** Whether no transition leaves this status. */
  default boolean isFinal() {
    return next().isEmpty();
  }

  /**
   * The wire name: the constant's name in lower case, {@code _} as {@code -} (e.g. {@code
   * "acquired"}, {@code "checkout-log"}).
   */
  default String wireName() {
    return ((Enum<?>) this).name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The status of {@code type} whose wire name is {@code name}. */
  static <S extends Enum<S> & Status> S fromWire(Class<S> type, String name) {
    return Enum.valueOf(type, name.toUpperCase(Locale.ROOT).replace('-', '_'));
  }
}
