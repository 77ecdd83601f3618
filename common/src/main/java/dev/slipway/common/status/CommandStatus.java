package dev.slipway.common.status;

import java.util.EnumSet;
import java.util.Set;

/**
 * Command status machine (the {@code commands} table): requested → running → finished; requested →
 * finished (refused without running: its lease was gone). A checkout log is a record that only
 * holds a log (what checking out a working copy printed): no runner ever claims it and it never
 * moves.
 */
public enum CommandStatus implements Status {
  REQUESTED,
  RUNNING,
  FINISHED,
  /** Wire name {@code checkout-log}. */
  CHECKOUT_LOG;

  @Override
  public Set<CommandStatus> next() {
    return switch (this) {
      case REQUESTED -> EnumSet.of(RUNNING, FINISHED);
      case RUNNING -> EnumSet.of(FINISHED);
      case FINISHED, CHECKOUT_LOG -> EnumSet.noneOf(CommandStatus.class);
    };
  }

  /** Whether the command has yet to finish (waits to run or runs): an abort still applies. */
  public boolean isUnfinished() {
    return canMoveTo(FINISHED);
  }

  public static CommandStatus fromWire(String name) {
    return Status.fromWire(CommandStatus.class, name);
  }
}
