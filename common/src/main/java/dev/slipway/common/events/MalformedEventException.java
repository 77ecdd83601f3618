package dev.slipway.common.events;

/** A message that is not a valid Slipway event; it belongs in the dead-letter topic. */
public final class MalformedEventException extends RuntimeException {

  public MalformedEventException(String message, Throwable cause) {
    super(message, cause);
  }

  public MalformedEventException(String message) {
    super(message);
  }
}
