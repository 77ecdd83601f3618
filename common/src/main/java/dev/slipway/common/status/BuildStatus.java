package dev.slipway.common.status;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** Build status machine: pending → running → passed | failed | aborted | error. */
public enum BuildStatus implements Status {
  PENDING,
  RUNNING,
  PASSED,
  FAILED,
  ABORTED,
  ERROR;

  private Set<BuildStatus> next() {
    return switch (this) {
      case PENDING -> EnumSet.of(RUNNING, ABORTED, ERROR);
      case RUNNING -> EnumSet.of(PASSED, FAILED, ABORTED, ERROR);
      case PASSED, FAILED, ABORTED, ERROR -> EnumSet.noneOf(BuildStatus.class);
    };
  }

  @Override
  public boolean canMoveTo(Status next) {
    return next instanceof BuildStatus s && next().contains(s);
  }

  @Override
  public boolean isFinal() {
    return next().isEmpty();
  }

  @Override
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static BuildStatus fromWire(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }
}
