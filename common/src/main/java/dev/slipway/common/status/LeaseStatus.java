package dev.slipway.common.status;

import java.util.EnumSet;
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

  @Override
  public Set<LeaseStatus> next() {
    return switch (this) {
      case PENDING -> EnumSet.of(ACQUIRED, FAILED);
      case ACQUIRED -> EnumSet.of(ACTIVE, BROKEN);
      case ACTIVE -> EnumSet.of(RELEASED, BROKEN);
      case RELEASED, FAILED, BROKEN -> EnumSet.noneOf(LeaseStatus.class);
    };
  }

  /** A lease holds a slot on its resource while acquired or active. */
  public boolean holdsSlot() {
    return this == ACQUIRED || this == ACTIVE;
  }

  /** Commands may run on the resource of an active lease only. */
  public boolean isCommandable() {
    return this == ACTIVE;
  }

  /** Whether a lease can be released (a pending one is failed instead). */
  public boolean canRelease() {
    return this == ACTIVE;
  }

  public static LeaseStatus fromWire(String name) {
    return Status.fromWire(LeaseStatus.class, name);
  }
}
