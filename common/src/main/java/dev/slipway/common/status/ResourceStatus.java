package dev.slipway.common.status;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Resource status machine: pending → active → released → destroyed; pending|active → broken →
 * destroyed.
 */
public enum ResourceStatus implements Status {
  PENDING,
  ACTIVE,
  RELEASED,
  BROKEN,
  DESTROYED;

  private Set<ResourceStatus> next() {
    return switch (this) {
      case PENDING -> EnumSet.of(ACTIVE, BROKEN);
      case ACTIVE -> EnumSet.of(RELEASED, BROKEN);
      case RELEASED, BROKEN -> EnumSet.of(DESTROYED);
      case DESTROYED -> EnumSet.noneOf(ResourceStatus.class);
    };
  }

  @Override
  public boolean canMoveTo(Status next) {
    return next instanceof ResourceStatus s && next().contains(s);
  }

  @Override
  public boolean isFinal() {
    return next().isEmpty();
  }

  /** Only an active resource accepts new leases. */
  public boolean canLease() {
    return this == ACTIVE;
  }

  @Override
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ResourceStatus fromWire(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }
}
