package dev.slipway.worker.allocation;

import dev.slipway.common.status.LeaseStatus;
import dev.slipway.platform.lease.Lease;
import dev.slipway.platform.lease.LeaseGroup;
import dev.slipway.platform.lease.LeaseGroupRepository;
import dev.slipway.platform.lease.LeaseGroups;
import dev.slipway.platform.persistence.DatabaseClock;
import dev.slipway.platform.resource.ResourceRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * All-or-nothing lease groups ({@link LeaseGroup}), for the {@link Allocator}: a group's members
 * are reserved together or not at all, so a waiting group holds nothing (two builds that each want
 * the same two hosts can never each hold one and wait for the other).
 *
 * <p>One attempt, in the caller's transaction under the host queue lock: every member tries the
 * blueprints that make nothing (free slots on ready hosts); the members none of those can serve now
 * then try the blueprints that make hosts (join a host being made, or have one made) — only if
 * every one of them could be served so; if any member is left without a slot, every reservation of
 * the attempt is given back ({@link ResourceRepository#freeSlot}) and all members stay pending. A
 * host made in a failed attempt stays being made: provisioning waits on no lease, and the group's
 * next attempt joins it.
 *
 * <p>Fairness: a group that has waited longer than {@code slipway.allocator.group-priority-after}
 * and still cannot be granted has priority — the rest of that drain serves no newer lease that
 * could take a slot on a host one of its members could use ({@link Hold}), so that slots freeing up
 * there are kept for it. Before that, newer leases may take free slots it cannot use yet. Working
 * copies asked for by host attributes (which take a host slot) are held back the same way.
 */
@ApplicationScoped
public class GroupAllocation {

  @Inject LeaseGroupRepository groupRepository;
  @Inject LeaseGroups groups;
  @Inject ResourceRepository resources;
  @Inject DatabaseClock clock;
  @Inject AllocatorConfig config;

  /** A slot reserved for a member, and the blueprint that reserved it. */
  record Reservation(Blueprint blueprint, String resourceId) {}

  /** The outcome of one attempt to grant a group. */
  record Attempt(LeaseGroup group, Map<Lease, Reservation> reserved, List<Lease> members) {

    /** Whether every member has its slot (the caller acquires them and marks the group). */
    boolean granted() {
      return reserved != null;
    }
  }

  /**
   * Tries to reserve a slot for every member of group {@code groupId}, with {@code blueprints} (of
   * type host, those that make nothing first).
   *
   * @return the attempt: with every member's reservation, or with none (nothing is held); empty
   *     when the group is no longer waiting
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public Optional<Attempt> reserve(String groupId, List<Blueprint> blueprints) {
    Optional<LeaseGroup> found =
        groupRepository.lock(groupId).filter(g -> LeaseGroup.PENDING.equals(g.status));
    if (found.isEmpty()) {
      return Optional.empty();
    }
    LeaseGroup group = found.get();
    List<Lease> members = groupRepository.lockMembers(groupId);
    for (int i = 0; i < members.size(); i++) {
      if (members.get(i).status != LeaseStatus.PENDING) {
        groups.fail(group, member(members, i) + " is " + members.get(i).status.wireName());
        return Optional.empty();
      }
    }
    Map<Lease, Reservation> reserved = new LinkedHashMap<>();
    List<Lease> rest = new ArrayList<>();
    for (Lease member : members) {
      Optional<Reservation> got = reserveWith(member, blueprints, false);
      got.ifPresentOrElse(r -> reserved.put(member, r), () -> rest.add(member));
    }
    boolean makeable =
        rest.stream()
            .allMatch(
                m -> blueprints.stream().anyMatch(b -> b.makesResources() && b.couldEverServe(m)));
    if (!rest.isEmpty() && makeable) {
      for (Lease member : rest) {
        Optional<Reservation> got = reserveWith(member, blueprints, true);
        if (got.isEmpty()) {
          break;
        }
        reserved.put(member, got.get());
      }
    }
    if (reserved.size() < members.size()) {
      reserved.values().forEach(r -> resources.freeSlot(r.resourceId()));
      return Optional.of(new Attempt(group, null, members));
    }
    return Optional.of(new Attempt(group, reserved, members));
  }

  private static Optional<Reservation> reserveWith(
      Lease member, List<Blueprint> blueprints, boolean making) {
    for (Blueprint b : blueprints) {
      if (b.makesResources() == making) {
        Optional<String> resource = b.allocate(member);
        if (resource.isPresent()) {
          return Optional.of(new Reservation(b, resource.get()));
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Fails group {@code groupId} at once when some member could never be served, with {@code
   * whyNever}'s reason for the first such member (null from it: that member could be served).
   *
   * @return whether the group is no longer waiting (failed now, or before)
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public boolean failIfHopeless(String groupId, Function<Lease, String> whyNever) {
    Optional<LeaseGroup> group =
        groupRepository.lock(groupId).filter(g -> LeaseGroup.PENDING.equals(g.status));
    if (group.isEmpty()) {
      return true;
    }
    List<Lease> members = groupRepository.members(groupId);
    for (int i = 0; i < members.size(); i++) {
      String why = whyNever.apply(members.get(i));
      if (why != null) {
        groups.fail(
            group.get(),
            "lease group " + groupId + " can never be granted: " + member(members, i) + ": " + why);
        return true;
      }
    }
    return false;
  }

  /**
   * Fails the group of {@code member}, with its other members, for {@code why}; returns whether it
   * was still waiting.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public boolean fail(Lease member, Function<String, String> why) {
    Optional<LeaseGroup> group =
        groupRepository.lock(member.groupId).filter(g -> LeaseGroup.PENDING.equals(g.status));
    if (group.isEmpty()) {
      return false;
    }
    List<Lease> members = groupRepository.members(member.groupId);
    groups.fail(group.get(), why.apply(member(members, members.indexOf(member))));
    return true;
  }

  /** {@code members[i] (lease-…)}: how reasons name a member, as it was asked for. */
  public static String member(List<Lease> members, int i) {
    return "members[" + i + "] (" + members.get(i).id + ")";
  }

  /**
   * Whether a group whose oldest waiting member is {@code oldest} has priority over newer leases.
   */
  boolean hasPriority(Lease oldest) {
    Duration waited = Duration.between(oldest.createdAt, clock.now());
    return waited.compareTo(config.groupPriorityAfter()) > 0;
  }

  /**
   * The members of groups that have priority in one drain: a newer lease that could take a slot on
   * a host one of them could use is not served.
   */
  final class Hold {
    private final List<Lease> held = new ArrayList<>();

    void add(List<Lease> members) {
      held.addAll(members);
    }

    /**
     * Adds the waiting groups that have priority, as read from the database, for a drain that meets
     * none of them itself (of working copies: the host queue's drain would).
     */
    void addWaitingWithPriority() {
      held.addAll(groupRepository.waitingSince(clock.now().minus(config.groupPriorityAfter())));
    }

    boolean isEmpty() {
      return held.isEmpty();
    }

    /**
     * Whether {@code lease} (a single lease, or a member of a newer group) must wait. A lease that
     * sits on a host lease (a working copy on it) takes no host slot and never waits for a group;
     * nor does one that has waited longer than every lease held for a group (first come, first
     * served: a group's priority puts it ahead of newer leases only).
     */
    boolean blocks(Lease lease) {
      if (lease.hostLeaseId != null) {
        return false;
      }
      if (lease.seq != null && held.stream().allMatch(h -> h.seq != null && lease.seq < h.seq)) {
        return false;
      }
      List<Lease> asking =
          lease.groupId == null ? List.of(lease) : groupRepository.members(lease.groupId);
      return held.stream().anyMatch(h -> asking.stream().anyMatch(a -> overlap(h, a)));
    }

    /** Whether some host could serve both leases. */
    private boolean overlap(Lease a, Lease b) {
      if (a.pinnedResourceId != null
          && b.pinnedResourceId != null
          && !a.pinnedResourceId.equals(b.pinnedResourceId)) {
        return false;
      }
      Map<String, String> both = new HashMap<>(a.attributes);
      for (Map.Entry<String, String> e : b.attributes.entrySet()) {
        if (both.containsKey(e.getKey()) && !both.get(e.getKey()).equals(e.getValue())) {
          return false;
        }
        both.put(e.getKey(), e.getValue());
      }
      return resources.anyCouldServe(
          a.type, both, a.pinnedResourceId != null ? a.pinnedResourceId : b.pinnedResourceId);
    }
  }

  /** A new, empty hold for one drain. */
  Hold hold() {
    return new Hold();
  }
}
