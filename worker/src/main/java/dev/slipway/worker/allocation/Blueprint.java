package dev.slipway.worker.allocation;

import dev.slipway.platform.lease.Lease;
import java.util.Optional;

/**
 * A kind of resource maker. Implementations are {@code final} CDI beans; the {@link Allocator}
 * finds them with {@code @Any Instance<Blueprint>}. The fit checks take no locks; {@link #allocate}
 * is the only method that reserves anything.
 */
public interface Blueprint {

  /** The blueprint kind, e.g. {@code static-host}. */
  String kind();

  /** The resource type it makes, e.g. {@code host}. */
  String type();

  /** Could this blueprint ever serve {@code lease}, if every resource were idle? */
  boolean couldEverServe(Lease lease);

  /**
   * Reserves a slot for {@code lease} on a matching resource.
   *
   * @return the resource id, or empty when nothing is free now
   */
  Optional<String> allocate(Lease lease);

  /** Makes an acquired lease usable on its resource (e.g. check out a working copy). */
  default void activate(Lease lease) {}

  /** Gives back what {@link #allocate} reserved for {@code lease}. */
  void release(Lease lease);
}
