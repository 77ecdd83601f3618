package dev.slipway.worker.allocation;

import dev.slipway.platform.lease.CommandTarget;
import dev.slipway.platform.lease.Lease;
import java.util.Optional;
import java.util.Set;

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

  /**
   * Whether it makes resources while serving leases (so a lease may be served when no existing
   * resource has a free slot).
   */
  default boolean makesResources() {
    return false;
  }

  /**
   * Whether it may make a resource for a lease now (one query at most): when no blueprint of a type
   * may, a drain stops at the first waiting lease that finds no free slot.
   */
  default boolean mayMakeResources() {
    return makesResources();
  }

  /**
   * The resource types whose freed capacity may let its waiting leases through (a working copy
   * needs a host slot): the allocator serves its queue whenever theirs is served.
   */
  default Set<String> waitsFor() {
    return Set.of();
  }

  /** Could this blueprint ever serve {@code lease}, if every resource were idle? */
  boolean couldEverServe(Lease lease);

  /**
   * Reserves a slot for {@code lease} on a matching resource.
   *
   * @return the resource id, or empty when nothing is free now
   */
  Optional<String> allocate(Lease lease);

  /**
   * Why this blueprint could never serve {@code lease}, in words for the lease's reason, or null to
   * let the allocator describe it (by the attributes no resource offers).
   */
  default String whyNever(Lease lease) {
    return null;
  }

  /**
   * What {@code lease} has been waiting for and why it did not get it, in words for its reason when
   * its wait times out, or null to let the allocator describe it (by the resources offering its
   * attributes).
   */
  default String whyWaiting(Lease lease) {
    return null;
  }

  /**
   * Makes an acquired lease usable on its resource.
   *
   * @return true when the lease is usable now (the allocator activates it); false when the
   *     blueprint prepares it after the transaction (e.g. checks out a working copy) and then
   *     activates or breaks it itself
   */
  default boolean activate(Lease lease) {
    return true;
  }

  /**
   * Where commands of {@code lease} run once it is active: the host, and the directory on it
   * (Drydock's command interface). The build engine runs a step there without knowing the kind.
   */
  CommandTarget commandTarget(Lease lease);

  /**
   * Gives back what {@link #allocate} reserved for {@code lease}.
   *
   * @return whether its slot is free again now; false when the blueprint frees it later (a working
   *     copy keeps its slot until it is clean), so that no drain is started for nothing
   */
  boolean release(Lease lease);
}
