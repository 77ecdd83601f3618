package dev.slipway.platform.lease;

import dev.slipway.common.status.LeaseStatus;
import dev.slipway.platform.persistence.DatabaseClock;
import dev.slipway.platform.resource.Resource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The one place where lease groups are created and change status. A group's members are host leases
 * created with it, in the order given; the allocators acquire them all in one transaction or leave
 * them all pending, and fail them all together.
 */
@ApplicationScoped
public class LeaseGroups {

  /** What one member asks for: host attributes, and optionally the one host it must be. */
  public record Member(Map<String, String> attributes, String pinnedResourceId) {}

  /** A group and its member leases, in the order they were asked for. */
  public record Requested(LeaseGroup group, List<Lease> members) {}

  @Inject LeaseGroupRepository groups;
  @Inject Leases leases;
  @Inject DatabaseClock clock;

  /**
   * Creates a pending group of host leases, one per member, and asks the allocators to satisfy it
   * (one request per member; no member is ever served alone).
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public Requested request(
      List<Member> members, String owner, Long waitTimeoutMs, Long heartbeatTimeoutMs) {
    LeaseGroup group = new LeaseGroup();
    group.id = "group-" + UUID.randomUUID();
    group.owner = owner;
    group.status = LeaseGroup.PENDING;
    group.updatedAt = clock.now();
    groups.persist(group);
    groups.flush(); // the group row before the leases that reference it
    List<Lease> created = new ArrayList<>();
    for (Member m : members) {
      created.add(
          leases.request(
              Resource.TYPE_HOST,
              m.attributes(),
              m.pinnedResourceId(),
              owner,
              waitTimeoutMs,
              heartbeatTimeoutMs,
              group.id));
    }
    return new Requested(group, created);
  }

  /** Marks {@code group} (locked) granted: its members were all acquired in this transaction. */
  @Transactional(Transactional.TxType.MANDATORY)
  public void granted(LeaseGroup group) {
    group.status = LeaseGroup.GRANTED;
    group.reason = null;
    group.updatedAt = clock.now();
  }

  /** Fails {@code group} (locked) and every member of it still pending, all with {@code reason}. */
  @Transactional(Transactional.TxType.MANDATORY)
  public void fail(LeaseGroup group, String reason) {
    for (Lease member : groups.lockMembers(group.id)) {
      if (member.status == LeaseStatus.PENDING) {
        leases.move(member, LeaseStatus.FAILED, reason);
      }
    }
    group.status = LeaseGroup.FAILED;
    group.reason = reason;
    group.updatedAt = clock.now();
  }
}
