package dev.slipway.common.status;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Lease status machine (ARCHITECTURE.md): pending → acquired → active → released; pending → failed;
 * acquired|active → broken.
 */
public enum LeaseStatus implements Status {
  PENDING,
  ACQUIRED,
  ACTIVE,
  RELEASED,
  FAILED,
  BROKEN;

  private Set<LeaseStatus> next() {
    return switch (this) {
      case PENDING -> EnumSet.of(ACQUIRED, FAILED);
      case ACQUIRED -> EnumSet.of(ACTIVE, BROKEN, RELEASED);
      case ACTIVE -> EnumSet.of(RELEASED, BROKEN);
      case RELEASED, FAILED, BROKEN -> EnumSet.noneOf(LeaseStatus.class);
    };
  }

  @Override
  public boolean canMoveTo(Status next) {
    return next instanceof LeaseStatus s && next().contains(s);
  }

  @Override
  public boolean isFinal() {
    return next().isEmpty();
  }

  /** A lease holds a slot on its resource while acquired or active. */
  public boolean holdsSlot() {
    return this == ACQUIRED || this == ACTIVE;
  }

  /** Commands may run on the resource of an active lease only. */
  public boolean isCommandable() {
    return this == ACTIVE;
  }

  /** Whether a release request has anything to do: a pending lease is failed instead. */
  public boolean canRelease() {
    return holdsSlot();
  }

  @Override
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static LeaseStatus fromWire(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }
}
