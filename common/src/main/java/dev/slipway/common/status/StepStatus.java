package dev.slipway.common.status;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** Step status machine: pending → running → passed | failed | skipped | aborted. */
public enum StepStatus implements Status {
  PENDING,
  RUNNING,
  PASSED,
  FAILED,
  SKIPPED,
  ABORTED;

  private Set<StepStatus> next() {
    return switch (this) {
      case PENDING -> EnumSet.of(RUNNING, SKIPPED, ABORTED);
      case RUNNING -> EnumSet.of(PASSED, FAILED, ABORTED);
      case PASSED, FAILED, SKIPPED, ABORTED -> EnumSet.noneOf(StepStatus.class);
    };
  }

  @Override
  public boolean canMoveTo(Status next) {
    return next instanceof StepStatus s && next().contains(s);
  }

  @Override
  public boolean isFinal() {
    return next().isEmpty();
  }

  @Override
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static StepStatus fromWire(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }
}
