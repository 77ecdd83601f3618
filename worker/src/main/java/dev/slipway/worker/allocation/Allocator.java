package dev.slipway.worker.allocation;

import dev.slipway.common.attributes.Attributes;
import dev.slipway.common.status.LeaseStatus;
import dev.slipway.common.status.ResourceStatus;
import dev.slipway.platform.blueprint.BlueprintRepository;
import dev.slipway.platform.lease.Lease;
import dev.slipway.platform.lease.LeaseGroups;
import dev.slipway.platform.lease.LeaseRepository;
import dev.slipway.platform.lease.Leases;
import dev.slipway.platform.persistence.DatabaseClock;
import dev.slipway.platform.resource.Resource;
import dev.slipway.platform.resource.ResourceRepository;
import dev.slipway.platform.resource.Resources;
import dev.slipway.worker.metrics.ReaperActions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.jboss.logging.Logger;

/**
 * Satisfies, releases and reaps leases. Every method runs in the caller's transaction.
 *
 * <p>Order (ARCHITECTURE.md "Allocation"): a pinned lease considers only its resource; otherwise a
 * free slot on the cheapest matching resource; otherwise the lease waits. Waiting leases are served
 * first come, first served by {@link #drain}, which runs whenever something they may wait for
 * changes (a lease is requested, a slot frees, a resource is added or edited) — not on a timer. A
 * lease that no blueprint could ever serve fails at once, with a reason naming what was asked.
 * Members of a lease group are served only all together, in the queue by the group's oldest waiting
 * member ({@link GroupAllocation}).
 */
@ApplicationScoped
public class Allocator {

  private static final Logger LOG = Logger.getLogger(Allocator.class);

  /** The key of the current transaction's {@link #kinds()}. */
  private static final Object KINDS = new Object();

  /** How many waiting leases of one group (what they ask for) a drain reads at once. */
  private static final int PAGE = 500;

  @Inject @Any Instance<Blueprint> blueprints;
  @Inject BlueprintRepository blueprintRepository;
  @Inject DatabaseClock clock;
  @Inject LeaseRepository leaseRepository;
  @Inject Leases leases;
  @Inject ResourceRepository resourceRepository;
  @Inject Resources resources;
  @Inject AllocatorConfig config;
  @Inject GroupAllocation groupAllocation;
  @Inject LeaseGroups leaseGroups;
  @Inject ReaperActions reaperActions;
  @Inject TransactionSynchronizationRegistry transactions;

  /**
   * A new lease: serves the queue of its type (the lease included, in its turn), then fails the
   * lease at once if it is still waiting and no blueprint could ever serve it. A lease that was
   * served needs no such check, which keeps the common path to one queue lock and one reservation.
   *
   * <p>A lease that is no longer waiting when its request arrives (a drain for an earlier request
   * served it too, or the request was delivered again) changes nothing: its request costs one read,
   * no queue lock and no drain. Every other waiting lease has a request of its own, and every
   * release or new resource drains the queue, so no lease waits on this drain.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public void admit(String type, String leaseId) {
    Work work = new Work();
    admit(type, leaseId, work);
    finish(work);
  }

  /**
   * What the lease events of one transaction leave to do once each is applied ({@link #finish}):
   * the queues to serve, once each however many events asked, and the leases to check after that.
   */
  public static final class Work {
    private final Set<String> drains = new LinkedHashSet<>();
    private final Set<String> rechecks = new LinkedHashSet<>();
    private final Set<String> admitted = new LinkedHashSet<>();

    /** The queue of {@code type} is to be served (a slot of that type was freed). */
    public void drain(String type) {
      drains.add(type);
    }
  }

  /** Like {@link #admit(String, String)}, with the drain and the check left to {@code work}. */
  @Transactional(Transactional.TxType.MANDATORY)
  public void admit(String type, String leaseId, Work work) {
    if (leaseRepository.isPending(leaseId)) {
      work.drains.add(type);
      work.admitted.add(leaseId);
    }
  }

  /** Like {@link #recheck} then {@link #drain}, left to {@code work}. */
  public void recheck(String type, Work work) {
    work.rechecks.add(type);
    work.drains.add(type);
  }

  /**
   * Does what {@code work} gathered: serves each queue once, those that other types wait for first
   * (a host before a working copy), in the order every drain takes their locks; then fails the
   * admitted leases still waiting that no blueprint could ever serve.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public void finish(Work work) {
    List<String> types =
        work.drains.stream()
            .sorted(Comparator.comparing((String type) -> !waitedFor(type)))
            .toList();
    for (String type : types) {
      if (work.rechecks.contains(type)) {
        recheck(type);
      }
      drain(type);
    }
    for (String leaseId : work.admitted) {
      leaseRepository
          .lock(leaseId)
          .filter(l -> l.status == LeaseStatus.PENDING)
          .ifPresent(this::failIfHopeless);
    }
  }

  /** Whether leases of another type wait for a lease of {@code type} (a working copy, a host). */
  private boolean waitedFor(String type) {
    return blueprints.stream().anyMatch(b -> b.waitsFor().contains(type));
  }

  /**
   * Fails every waiting lease of {@code type} that nothing can serve any more. Leases that ask for
   * the same thing share the answer: the oldest of each group is asked, and the rest of the group
   * is failed with it or left waiting with it.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public void recheck(String type) {
    lockQueue(type);
    WaitingQueue queue = new WaitingQueue(leaseRepository, type, PAGE);
    for (LeaseRepository.Waiting waiting = queue.next(); waiting != null; waiting = queue.next()) {
      Optional<Lease> lease =
          leaseRepository.lock(waiting.id()).filter(l -> l.status == LeaseStatus.PENDING);
      if (lease.isEmpty() || failIfHopeless(lease.get())) {
        queue.advance(); // gone meanwhile, or failed: the next of its group is asked
      } else {
        queue.drop(); // could be served some day: so could the rest of its group
      }
    }
  }

  /**
   * Serves waiting leases of {@code type}, oldest first, while free slots last. Drains of one type
   * are serialized across all allocator replicas, so that a newer lease never overtakes an older
   * one that the same slot could serve. A lease that asks for what an older waiting lease could not
   * get is not tried again in the same drain, and the drain goes on through the whole queue (see
   * {@link WaitingQueue}): however many leases wait for a busy host, a lease for a free host of
   * other attributes behind them is served.
   *
   * @return how many leases became active
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public int drain(String type) {
    GroupAllocation.Hold hold = groupAllocation.hold();
    if (blueprintsOf(type).stream().anyMatch(b -> !b.waitsFor().isEmpty())) {
      // no drain of the queue they wait for came first: the groups it would hold for are read
      hold.addWaitingWithPriority();
    }
    int served = drainQueue(type, hold);
    for (Blueprint dependent : blueprints) {
      // e.g. working copies waiting for a host slot; an empty queue costs no lock
      if (dependent.waitsFor().contains(type) && leaseRepository.anyWaiting(dependent.type())) {
        served += drainQueue(dependent.type(), hold);
      }
    }
    return served;
  }

  /**
   * Serves the queue of {@code type}; {@code hold} gathers the groups with priority it meets, and
   * keeps what they could use from the newer leases of this queue and of the queues drained after
   * it in the same drain (a working copy by host attributes takes a host slot too).
   */
  private int drainQueue(String type, GroupAllocation.Hold hold) {
    lockQueue(type);
    int served = 0;
    Boolean makesResources = null; // asked only once a lease waits on: it costs a query
    WaitingQueue queue = new WaitingQueue(leaseRepository, type, PAGE);
    Set<String> groupsTried = new HashSet<>();
    for (LeaseRepository.Waiting waiting = queue.next(); waiting != null; waiting = queue.next()) {
      Optional<Lease> lease =
          leaseRepository.lock(waiting.id()).filter(l -> l.status == LeaseStatus.PENDING);
      if (lease.isEmpty()) {
        queue.advance(); // gone meanwhile: the next of its kind may be served
        continue;
      }
      String sittingOn = lease.get().hostLeaseId;
      int got;
      if (lease.get().groupId != null && !groupsTried.add(lease.get().groupId)) {
        got = -1; // its group was tried in this drain, by its oldest member
      } else if (!hold.isEmpty() && hold.blocks(lease.get())) {
        got = -1; // newer than a group with priority, and could take a slot it waits for
      } else {
        got =
            lease.get().groupId == null
                ? (serve(lease.get()) ? 1 : -1)
                : serveGroup(lease.get(), hold);
      }
      if (got >= 0) {
        served += got;
        queue.advance(); // served (or its group gone): the next of its kind may be served too
        continue;
      }
      if (!Objects.equals(sittingOn, lease.get().hostLeaseId)) {
        queue.advance(); // it now waits for a host lease opened for it: the next may be tried
        continue;
      }
      if (sittingOn != null && failIfHopeless(lease.get())) {
        queue.advance(); // its host lease, asked for with it, turned out unusable (a windows host)
        continue;
      }
      queue.drop(); // what it asks for is not to be had now: its group waits
      leaseRepository.getEntityManager().detach(lease.get()); // unchanged: keep it out
      if (makesResources == null) {
        makesResources = blueprintsOf(type).stream().anyMatch(Blueprint::mayMakeResources);
      }
      if (!makesResources && !resourceRepository.hasFreeSlot(type)) {
        break; // nothing is free at all: no later lease can be served either
      }
    }
    return served;
  }

  private boolean serve(Lease lease) {
    for (Blueprint blueprint : blueprintsOf(lease.type)) {
      Optional<String> resource = blueprint.allocate(lease);
      if (resource.isPresent()) {
        acquire(lease, blueprint, resource.get());
        return true;
      }
    }
    return false;
  }

  /**
   * Serves the group of {@code oldest}, its oldest waiting member, whole or not at all ({@link
   * GroupAllocation}); a group that stays waiting past its priority time joins {@code hold}.
   *
   * @return how many members became acquired; 0 when the group is no longer waiting; -1 when it
   *     waits on
   */
  private int serveGroup(Lease oldest, GroupAllocation.Hold hold) {
    Optional<GroupAllocation.Attempt> attempt =
        groupAllocation.reserve(oldest.groupId, blueprintsOf(oldest.type));
    if (attempt.isEmpty()) {
      return 0;
    }
    if (!attempt.get().granted()) {
      if (groupAllocation.hasPriority(oldest)) {
        hold.add(attempt.get().members());
      }
      return -1;
    }
    attempt.get().reserved().forEach((m, r) -> acquire(m, r.blueprint(), r.resourceId()));
    leaseGroups.granted(attempt.get().group());
    return attempt.get().members().size();
  }

  /** Acquires {@code lease} on the slot {@code blueprint} reserved for it, and activates it. */
  private void acquire(Lease lease, Blueprint blueprint, String resourceId) {
    lease.resourceId = resourceId;
    leases.move(lease, LeaseStatus.ACQUIRED, null);
    if (blueprint.activate(lease)) {
      leases.activate(lease, blueprint.commandTarget(lease));
    }
  }

  /**
   * Fails the lease if no blueprint could ever serve it (a group member: its whole group, if that
   * of any member); returns whether it did (or the group is no longer waiting).
   */
  private boolean failIfHopeless(Lease lease) {
    if (lease.groupId != null) {
      return groupAllocation.failIfHopeless(lease.groupId, this::whyHopeless);
    }
    String reason = whyHopeless(lease);
    if (reason != null) {
      leases.move(lease, LeaseStatus.FAILED, reason);
    }
    return reason != null;
  }

  /**
   * Whether a blueprint of {@code type} could ever serve a lease for {@code attributes}, if every
   * resource were idle (one that makes resources counts).
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public boolean couldEverServe(String type, Map<String, String> attributes) {
    Lease probe = probe(type, attributes);
    return blueprintsOf(type).stream().anyMatch(b -> b.couldEverServe(probe));
  }

  /** Whether a blueprint of {@code type} may make a new resource for {@code attributes} now. */
  @Transactional(Transactional.TxType.MANDATORY)
  public boolean mayMake(String type, Map<String, String> attributes) {
    Lease probe = probe(type, attributes);
    return blueprintsOf(type).stream()
        .anyMatch(b -> b.mayMakeResources() && b.couldEverServe(probe));
  }

  /** A lease that is never stored, to ask blueprints what they could do for one like it. */
  private static Lease probe(String type, Map<String, String> attributes) {
    Lease probe = new Lease();
    probe.type = type;
    probe.attributes = Map.copyOf(attributes);
    return probe;
  }

  /** Why no blueprint could ever serve {@code lease}, or null when one could. */
  private String whyHopeless(Lease lease) {
    if (blueprintsOf(lease.type).stream().anyMatch(b -> b.couldEverServe(lease))) {
      return null;
    }
    return blueprintsOf(lease.type).stream()
        .map(b -> b.whyNever(lease))
        .filter(Objects::nonNull)
        .findFirst()
        .orElseGet(() -> whyNever(lease));
  }

  /**
   * Releases lease {@code leaseId}: frees its slot, or fails it if it was still waiting. A resource
   * being removed is destroyed once its last lease is released.
   *
   * @return the type whose slot was freed now, if one was
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public Optional<String> release(String leaseId, String reason) {
    Optional<Lease> found = leaseRepository.lock(leaseId);
    if (found.isEmpty()) {
      LOG.warnf("release of unknown lease %s ignored", leaseId);
      return Optional.empty();
    }
    Lease lease = found.get();
    if (lease.status == LeaseStatus.PENDING) {
      String why = "released before it was acquired: " + reason;
      if (lease.groupId == null
          || !groupAllocation.fail(lease, m -> m + " was " + why + "; its group with it")) {
        leases.move(lease, LeaseStatus.FAILED, why);
      }
      return Optional.empty();
    }
    if (lease.status == LeaseStatus.ACQUIRED) {
      // still being prepared (a working copy being checked out): released once that ends
      lease.releaseReason = reason;
      return Optional.empty();
    }
    if (!lease.status.canRelease()) {
      return Optional.empty(); // already released, failed or broken: nothing to give back
    }
    Blueprint blueprint = blueprintOf(lease);
    leases.move(lease, LeaseStatus.RELEASED, reason);
    boolean freed = blueprint.release(lease);
    // leases that sit on this one (a working copy on a host lease): only on a type others wait for
    if (waitedFor(lease.type)) {
      for (String sitting : leaseRepository.sittingOn(lease.id)) {
        release(sitting, "its host lease " + lease.id + " was released");
      }
    }
    return freed ? Optional.of(lease.type) : Optional.empty();
  }

  /** Fails a waiting lease whose wait timed out; returns whether it did. */
  @Transactional(Transactional.TxType.MANDATORY)
  public boolean timeOut(String leaseId) {
    Optional<Lease> found =
        leaseRepository.lock(leaseId).filter(l -> l.status == LeaseStatus.PENDING);
    if (found.isEmpty()) {
      return false;
    }
    Lease lease = found.get();
    Duration waited = Duration.between(lease.createdAt, clock.now());
    if (lease.groupId != null) {
      return groupAllocation.fail(
          lease,
          m ->
              String.format(
                  "waited %ds for lease group %s: its hosts were never free all at once (%s"
                      + " timed out first)",
                  waited.toSeconds(), lease.groupId, m));
    }
    String why =
        blueprintsOf(lease.type).stream()
            .map(b -> b.whyWaiting(lease))
            .filter(Objects::nonNull)
            .findFirst()
            .orElseGet(
                () -> {
                  long offering = resourceRepository.countOffering(lease.type, lease.attributes);
                  return wanted(lease)
                      + ": "
                      + (offering == 0
                          ? "nothing offers it any more"
                          : "all " + offering + " " + lease.type + "s offering it stayed busy");
                });
    leases.move(
        lease, LeaseStatus.FAILED, String.format("waited %ds for %s", waited.toSeconds(), why));
    return true;
  }

  /** Releases a held lease whose owner stopped heartbeating; returns the type freed, if any. */
  @Transactional(Transactional.TxType.MANDATORY)
  public Optional<String> expire(String leaseId) {
    Optional<Lease> found = leaseRepository.lock(leaseId);
    if (found.isEmpty()
        || found.get().expiresAt == null
        || found.get().expiresAt.isAfter(clock.now())) {
      return Optional.empty(); // renewed meanwhile
    }
    reaperActions.done(ReaperActions.LEASE_HEARTBEAT_EXPIRED);
    return release(leaseId, "heartbeat expired: its owner stopped renewing it");
  }

  /** Default wait of leases that set none. */
  public Duration defaultWaitTimeout() {
    return config.defaultWaitTimeout();
  }

  private String whyNever(Lease lease) {
    if (lease.pinnedResourceId != null) {
      Resource pinned = resourceRepository.findById(lease.pinnedResourceId);
      if (pinned == null || !pinned.type.equals(lease.type)) {
        return "no " + lease.type + " " + lease.pinnedResourceId + " exists";
      }
      if (pinned.status != ResourceStatus.ACTIVE && pinned.status != ResourceStatus.PENDING) {
        return lease.type + " " + lease.pinnedResourceId + " is " + pinned.status.wireName();
      }
      return lease.type
          + " "
          + lease.pinnedResourceId
          + " does not offer "
          + Attributes.describe(Attributes.unmet(pinned.attributes, lease.attributes));
    }
    Map<String, String> unmet = new TreeMap<>();
    lease.attributes.forEach(
        (key, value) -> {
          if (resourceRepository.countOffering(lease.type, Map.of(key, value)) == 0) {
            unmet.put(key, value);
          }
        });
    if (!unmet.isEmpty() || lease.attributes.isEmpty()) {
      return "no blueprint offers "
          + lease.type
          + (unmet.isEmpty() ? "" : " with " + Attributes.describe(unmet));
    }
    return "no single " + lease.type + " offers " + Attributes.describe(lease.attributes);
  }

  /**
   * The blueprints of {@code type}, those that only lease what exists first: a lease takes a free
   * slot on any ready resource before anything new is made for it.
   */
  private List<Blueprint> blueprintsOf(String type) {
    return blueprints.stream()
        .filter(b -> b.type().equals(type))
        .sorted(Comparator.comparing(Blueprint::makesResources))
        .toList();
  }

  /**
   * Reads which blueprint made the resource of each of the leases {@code leaseIds} that are about
   * to be released, in one statement: their releases in this transaction need not read it again.
   * Takes no lock (a lease's resource does not change once it is acquired).
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public void readKindsForRelease(List<String> leaseIds) {
    kinds().putAll(blueprintRepository.kindsOfLeases(leaseIds));
  }

  /** The blueprint kinds of resources read in the current transaction, by resource. */
  @SuppressWarnings("unchecked")
  private Map<String, String> kinds() {
    Map<String, String> kinds = (Map<String, String>) transactions.getResource(KINDS);
    if (kinds == null) {
      kinds = new HashMap<>();
      transactions.putResource(KINDS, kinds);
    }
    return kinds;
  }

  /** The blueprint that made the resource of {@code lease}: the record's kind picks it. */
  private Blueprint blueprintOf(Lease lease) {
    String known = kinds().get(lease.resourceId);
    String kind =
        Optional.ofNullable(known)
            .or(() -> blueprintRepository.kindOf(lease.resourceId))
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "lease " + lease.id + " holds unknown resource " + lease.resourceId));
    return blueprints.stream()
        .filter(b -> b.kind().equals(kind))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalStateException(
                    "no blueprint of kind " + kind + " (resource " + lease.resourceId + ")"));
  }

  /**
   * Serializes the caller's transaction with every drain of {@code type}'s queue (on all allocator
   * replicas): what it counts of that type's resources stays true until it commits.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public void lockQueue(String type) {
    resourceRepository
        .getEntityManager()
        .createNativeQuery("select cast(pg_advisory_xact_lock(hashtext(?1)) as text)")
        .setParameter(1, "slipway.allocation." + type)
        .getSingleResult();
  }

  private static String wanted(Lease lease) {
    String what = lease.type + " with " + Attributes.describe(lease.attributes);
    return lease.pinnedResourceId == null ? what : what + " on " + lease.pinnedResourceId;
  }
}
