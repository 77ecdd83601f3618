package dev.slipway.platform.lease;

import dev.slipway.common.events.EventTypes;
import dev.slipway.common.events.LeaseChanged;
import dev.slipway.common.events.LeaseReleaseRequested;
import dev.slipway.common.events.LeaseRequested;
import dev.slipway.common.events.Topics;
import dev.slipway.common.limits.Limits;
import dev.slipway.common.status.IllegalTransitionException;
import dev.slipway.common.status.LeaseStatus;
import dev.slipway.common.status.Transitions;
import dev.slipway.platform.metrics.Meters;
import dev.slipway.platform.outbox.Outbox;
import dev.slipway.platform.persistence.AfterCommit;
import dev.slipway.platform.persistence.DatabaseClock;
import dev.slipway.platform.resource.Resource;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * The one place where leases are created and change status: each change is checked against the
 * state machine, recorded in {@code lease_history} (by a trigger) and announced through the outbox,
 * all in the caller's transaction.
 */
@ApplicationScoped
public class Leases {

  private static final Logger LOG = Logger.getLogger(Leases.class);

  @Inject LeaseRepository leases;
  @Inject Outbox outbox;
  @Inject DatabaseClock clock;
  @Inject MeterRegistry registry;
  @Inject TransactionSynchronizationRegistry transactions;

  /**
   * Creates a pending lease and asks the allocators to satisfy it.
   *
   * @param waitTimeoutMs how long it may wait for a slot (null: the allocators' default)
   * @param heartbeatTimeoutMs when set, the owner must heartbeat within this time once the lease is
   *     held, or it is released
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public Lease request(
      String type,
      Map<String, String> attributes,
      String pinnedResourceId,
      String owner,
      Long waitTimeoutMs,
      Long heartbeatTimeoutMs) {
    return request(
        type, attributes, pinnedResourceId, owner, waitTimeoutMs, heartbeatTimeoutMs, null);
  }

  /**
   * Creates a pending lease, a member of lease group {@code groupId} when not null (see {@link
   * LeaseGroups}: the allocators serve it only with its whole group), and asks the allocators to
   * satisfy it.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public Lease request(
      String type,
      Map<String, String> attributes,
      String pinnedResourceId,
      String owner,
      Long waitTimeoutMs,
      Long heartbeatTimeoutMs,
      String groupId) {
    Lease lease = pending(type, attributes, pinnedResourceId, owner);
    lease.waitTimeoutMs = waitTimeoutMs;
    lease.heartbeatTimeoutMs = heartbeatTimeoutMs;
    lease.groupId = groupId;
    return requested(lease);
  }

  /** What a working-copy lease asks for. */
  public record WorkingCopyRequest(
      String repository,
      String ref,
      String hostLeaseId,
      Map<String, String> hostAttributes,
      String logId) {}

  /**
   * Creates a pending working-copy lease and asks the allocators to satisfy it: a checkout of
   * {@code repository} at {@code ref} on the host of {@code hostLeaseId}, or, without one, on a
   * host whose attributes contain {@code hostAttributes} (the allocator then takes a host lease for
   * it too).
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public Lease requestWorkingCopy(
      WorkingCopyRequest request, String owner, Long waitTimeoutMs, Long heartbeatTimeoutMs) {
    Lease lease =
        pending(
            Resource.TYPE_WORKING_COPY,
            request.hostLeaseId() == null ? request.hostAttributes() : Map.of(),
            null,
            owner);
    lease.repository = request.repository();
    lease.ref = request.ref();
    lease.hostLeaseId = request.hostLeaseId();
    lease.logId = request.logId();
    lease.waitTimeoutMs = waitTimeoutMs;
    lease.heartbeatTimeoutMs = heartbeatTimeoutMs;
    return requested(lease);
  }

  /**
   * Creates a pending lease that its caller, an allocator, serves in the same transaction (a host
   * lease taken for a working copy): no request is announced.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public Lease open(String type, Map<String, String> attributes, String resourceId, String owner) {
    Lease lease = pending(type, attributes, resourceId, owner);
    leases.persist(lease);
    leases.flush();
    return lease;
  }

  private Lease pending(
      String type, Map<String, String> attributes, String pinnedResourceId, String owner) {
    Lease lease = new Lease();
    lease.id = "lease-" + UUID.randomUUID();
    lease.type = type;
    lease.attributes = Map.copyOf(attributes);
    lease.pinnedResourceId = pinnedResourceId;
    lease.owner = owner;
    lease.status = LeaseStatus.PENDING;
    lease.updatedAt = clock.now();
    return lease;
  }

  private Lease requested(Lease lease) {
    leases.persist(lease);
    leases.flush(); // the row (and its history row, by trigger) before the event announcing it
    outbox.publish(
        Topics.LEASE_REQUESTS,
        EventTypes.LEASE_REQUESTED,
        lease.id,
        new LeaseRequested(
            lease.id, lease.type, lease.attributes, lease.pinnedResourceId, lease.owner));
    return lease;
  }

  /** Asks the allocators to release {@code lease} (or fail it while it is still pending). */
  @Transactional(Transactional.TxType.MANDATORY)
  public void requestRelease(Lease lease, String reason) {
    outbox.publish(
        Topics.LEASE_REQUESTS,
        EventTypes.LEASE_RELEASE_REQUESTED,
        lease.id,
        new LeaseReleaseRequested(lease.id, lease.owner, reason));
  }

  /** Renews a held lease's heartbeat: it now expires one heartbeat timeout from now. */
  @Transactional(Transactional.TxType.MANDATORY)
  public void heartbeat(Lease lease) {
    if (lease.heartbeatTimeoutMs != null) {
      lease.expiresAt = clock.now().plusMillis(lease.heartbeatTimeoutMs);
    }
  }

  /**
   * Makes {@code lease} active, its commands to run at {@code target} (what its blueprint says).
   *
   * @throws IllegalTransitionException (logged) when the state machine forbids it; nothing changes
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public void activate(Lease lease, CommandTarget target) {
    lease.commandHostId = target.hostId();
    lease.commandDirectory = target.directory();
    move(lease, LeaseStatus.ACTIVE, null);
    if (lease.createdAt != null) {
      Duration waited = Duration.between(lease.createdAt, lease.updatedAt);
      String type = lease.type;
      AfterCommit.run(
          transactions,
          () ->
              Meters.record(
                  registry,
                  "slipway.lease.wait",
                  "from a lease's request to its activation (usable by its owner)",
                  waited,
                  "type",
                  type));
    }
  }

  /**
   * Moves {@code lease} to {@code to}; to make it active, {@link #activate}.
   *
   * @throws IllegalTransitionException (logged) when the state machine forbids it; nothing changes
   * @throws IllegalStateException for a move to active of a lease that has no {@link CommandTarget}
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public void move(Lease lease, LeaseStatus to, String reason) {
    if (to == LeaseStatus.ACTIVE && lease.commandHostId == null) {
      throw new IllegalStateException("lease " + lease.id + " made active without a CommandTarget");
    }
    LeaseStatus from = lease.status;
    try {
      Transitions.check("lease " + lease.id, from, to);
    } catch (IllegalTransitionException e) {
      LOG.warn("refused: " + e.getMessage());
      throw e;
    }
    lease.status = to;
    if (reason != null) {
      lease.reason = reason;
    }
    if (to == LeaseStatus.ACTIVE) {
      heartbeat(lease);
    }
    lease.updatedAt = clock.now();
    leases.flush(); // its history row is written by a trigger on the status change
    outbox.publish(
        Topics.LEASES,
        eventType(to),
        lease.id,
        new LeaseChanged(
            lease.id,
            lease.type,
            to.wireName(),
            from.wireName(),
            lease.resourceId,
            lease.owner,
            lease.attributes,
            lease.reason,
            lease.repository,
            lease.ref,
            lease.commit,
            lease.hostLeaseId));
    if (to.isFinal() && Resource.TYPE_HOST.equals(lease.type)) {
      // ended: a working copy waiting to be made on its host never will be
      for (Lease waiting : leases.waitingOn(lease.id)) {
        move(
            waiting,
            LeaseStatus.FAILED,
            Limits.clip(
                "its host lease "
                    + lease.id
                    + " is "
                    + to.wireName()
                    + (lease.reason == null ? "" : ": " + lease.reason)));
      }
    }
    if (to == LeaseStatus.FAILED && lease.ownsHostLease && lease.hostLeaseId != null) {
      // a working copy that never got made gives back the host lease it opened, whatever failed it
      Lease host = leases.findById(lease.hostLeaseId);
      if (host != null && !host.status.isFinal()) {
        requestRelease(host, "its working-copy lease " + lease.id + " failed");
      }
    }
  }

  private static String eventType(LeaseStatus status) {
    return switch (status) {
      case ACQUIRED -> EventTypes.LEASE_ACQUIRED;
      case ACTIVE -> EventTypes.LEASE_ACTIVATED;
      case RELEASED -> EventTypes.LEASE_RELEASED;
      case FAILED -> EventTypes.LEASE_FAILED;
      case BROKEN -> EventTypes.LEASE_BROKEN;
      case PENDING -> EventTypes.LEASE_REQUESTED;
    };
  }
}
