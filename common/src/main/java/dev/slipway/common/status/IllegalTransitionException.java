package dev.slipway.common.status;

/** Thrown when a state machine is asked to make a move it does not allow. */
public final class IllegalTransitionException extends RuntimeException {

  private final Status from;
  private final Status to;

  public IllegalTransitionException(String subject, Status from, Status to) {
    super(subject + " cannot move from " + from.wireName() + " to " + to.wireName());
    this.from = from;
    this.to = to;
  }

  public Status from() {
    return from;
  }

  public Status to() {
    return to;
  }
}
