package dev.slipway.common.status;

/** The one place where every status change is checked. */
public final class Transitions {

  private Transitions() {}

  /**
   * Returns {@code to} if the move is allowed.
   *
   * @param subject what is moving, for the message (e.g. {@code "lease 42"})
   * @throws IllegalTransitionException if the state machine forbids the move
   */
  public static <S extends Status> S check(String subject, S from, S to) {
    if (!from.canMoveTo(to)) {
      throw new IllegalTransitionException(subject, from, to);
    }
    return to;
  }
}
