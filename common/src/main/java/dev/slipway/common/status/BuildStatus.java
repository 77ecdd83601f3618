package dev.slipway.common.status;

import java.util.EnumSet;
import java.util.Set;

/** Build status machine: pending → running → passed | failed | aborted | error. */
public enum BuildStatus implements Status {
  PENDING,
  RUNNING,
  PASSED,
  FAILED,
  ABORTED,
  ERROR;

  @Override
  public Set<BuildStatus> next() {
    return switch (this) {
      case PENDING -> EnumSet.of(RUNNING, ABORTED, ERROR);
      case RUNNING -> EnumSet.of(PASSED, FAILED, ABORTED, ERROR);
      case PASSED, FAILED, ABORTED, ERROR -> EnumSet.noneOf(BuildStatus.class);
    };
  }

  public static BuildStatus fromWire(String name) {
    return Status.fromWire(BuildStatus.class, name);
  }
}
