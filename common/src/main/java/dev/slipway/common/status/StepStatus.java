package dev.slipway.common.status;

import java.util.EnumSet;
import java.util.Set;

/** Step status machine: pending → running → passed | failed | skipped | aborted. */
public enum StepStatus implements Status {
  PENDING,
  RUNNING,
  PASSED,
  FAILED,
  SKIPPED,
  ABORTED;

  @Override
  public Set<StepStatus> next() {
    return switch (this) {
      case PENDING -> EnumSet.of(RUNNING, SKIPPED, ABORTED);
      case RUNNING -> EnumSet.of(PASSED, FAILED, ABORTED);
      case PASSED, FAILED, SKIPPED, ABORTED -> EnumSet.noneOf(StepStatus.class);
    };
  }

  public static StepStatus fromWire(String name) {
    return Status.fromWire(StepStatus.class, name);
  }
}
