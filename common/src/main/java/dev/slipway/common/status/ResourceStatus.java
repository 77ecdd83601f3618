package dev.slipway.common.status;

import java.util.EnumSet;
import java.util.Set;

/**
 * Resource status machine: pending → active → released → destroyed; pending|active → broken →
 * destroyed; broken → released (a broken host an operator removes while it still holds leases: its
 * leases stay with their owners, and it is destroyed once the last is released, like any removed
 * host).
 */
public enum ResourceStatus implements Status {
  PENDING,
  ACTIVE,
  RELEASED,
  BROKEN,
  DESTROYED;

  @Override
  public Set<ResourceStatus> next() {
    return switch (this) {
      case PENDING -> EnumSet.of(ACTIVE, BROKEN);
      case ACTIVE -> EnumSet.of(RELEASED, BROKEN);
      case RELEASED -> EnumSet.of(DESTROYED);
      case BROKEN -> EnumSet.of(RELEASED, DESTROYED);
      case DESTROYED -> EnumSet.noneOf(ResourceStatus.class);
    };
  }

  /** Only an active resource accepts new leases. */
  public boolean canLease() {
    return this == ACTIVE;
  }

  public static ResourceStatus fromWire(String name) {
    return Status.fromWire(ResourceStatus.class, name);
  }
}
