package dev.slipway.worker.workingcopy;

import dev.slipway.common.attributes.Attributes;
import dev.slipway.common.platform.Platform;
import dev.slipway.common.platform.Shell;
import dev.slipway.common.status.LeaseStatus;
import dev.slipway.common.status.ResourceStatus;
import dev.slipway.platform.blueprint.BlueprintRecord;
import dev.slipway.platform.blueprint.BlueprintRepository;
import dev.slipway.platform.lease.CommandTarget;
import dev.slipway.platform.lease.Lease;
import dev.slipway.platform.lease.LeaseRepository;
import dev.slipway.platform.lease.Leases;
import dev.slipway.platform.resource.Resource;
import dev.slipway.platform.resource.ResourceRepository;
import dev.slipway.platform.resource.Resources;
import dev.slipway.worker.allocation.Allocator;
import dev.slipway.worker.allocation.Blueprint;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Working copies: a directory on a host holding one repository's checkout, one lease at a time. A
 * lease names the host lease it sits on, or host attributes (then a host slot is leased for it,
 * preferring a host with an idle copy of the repository, and released with it; when no host is free
 * and a blueprint may make one, a pending host lease is opened for it instead). An idle copy of the
 * repository on the host is recycled; otherwise a new one is made if the host's budget ({@code
 * workingCopies.maxCopies} / {@code maxBytes} in its blueprint's config) allows, evicting the least
 * recently used idle copy when it does not. The checkout itself happens after the transaction
 * ({@link WorkingCopyJobs}); the lease is active only once HEAD is verified.
 */
@ApplicationScoped
public final class WorkingCopyBlueprint implements Blueprint {

  private static final int HOST_CANDIDATES = 20;

  @Inject WorkingCopyRepository copies;
  @Inject ResourceRepository resourceRepository;
  @Inject Resources resources;
  @Inject LeaseRepository leaseRepository;
  @Inject Leases leases;
  @Inject BlueprintRepository blueprints;
  @Inject WorkingCopyJobs jobs;
  @Inject WorkingCopyConfig config;
  @Inject Allocator allocator;

  @Override
  public String kind() {
    return "working-copy";
  }

  @Override
  public String type() {
    return Resource.TYPE_WORKING_COPY;
  }

  @Override
  public boolean makesResources() {
    return true;
  }

  @Override
  public Set<String> waitsFor() {
    return Set.of(Resource.TYPE_HOST);
  }

  @Override
  public boolean couldEverServe(Lease lease) {
    return whyNever(lease) == null;
  }

  @Override
  public String whyNever(Lease lease) {
    if (lease.hostLeaseId == null) {
      if ("windows".equals(lease.attributes.get("platform"))) {
        return "working copies on windows hosts are not supported yet";
      }
      return allocator.couldEverServe(Resource.TYPE_HOST, lease.attributes)
          ? null
          : "no host offers " + Attributes.describe(lease.attributes);
    }
    Lease host = leaseRepository.findById(lease.hostLeaseId);
    if (host == null || !Resource.TYPE_HOST.equals(host.type)) {
      return "no host lease " + lease.hostLeaseId + " exists";
    }
    if (host.status == LeaseStatus.PENDING) {
      // the host lease waits for a host (one it opened, or a build's asked for at the same time):
      // the copy is made once it is active; if it fails, this lease fails with it (Leases.move)
      return null;
    }
    if (host.status != LeaseStatus.ACTIVE && host.status != LeaseStatus.ACQUIRED) {
      return "host lease "
          + host.id
          + " is "
          + host.status.wireName()
          + (host.reason == null ? "" : ": " + host.reason);
    }
    Resource resource = resourceRepository.findById(host.resourceId);
    if (Platform.of(resource.attributes.getOrDefault("platform", "linux")) == Platform.WINDOWS) {
      return "working copies on windows hosts are not supported yet";
    }
    return null;
  }

  @Override
  public String whyWaiting(Lease lease) {
    String what = "a working copy of " + lease.repository + " at " + lease.ref;
    if (lease.hostLeaseId == null) {
      return what
          + " on a host with "
          + Attributes.describe(lease.attributes)
          + ": no such host had a free slot and room for a copy";
    }
    Lease host = leaseRepository.findById(lease.hostLeaseId);
    if (host != null && host.resourceId == null && lease.ownsHostLease) {
      return what
          + " on a host with "
          + Attributes.describe(lease.attributes)
          + ": the host lease "
          + host.id
          + " it opened got no host";
    }
    if (host == null || host.resourceId == null) {
      return what + ": its host lease " + lease.hostLeaseId + " holds no host";
    }
    Resource resource = resourceRepository.findById(host.resourceId);
    return what
        + " on "
        + resource.name
        + ": every copy there stayed in use, and the host keeps at most "
        + budget(resource).maxCopies()
        + " copies";
  }

  @Override
  public Optional<String> allocate(Lease lease) {
    if (lease.hostLeaseId != null) {
      Lease host = leaseRepository.findById(lease.hostLeaseId);
      if (host == null || host.status != LeaseStatus.ACTIVE || whyNever(lease) != null) {
        return Optional.empty(); // (the allocator then fails it with the reason)
      }
      return copyOn(resourceRepository.findById(host.resourceId), lease);
    }
    for (String hostId :
        copies.hostCandidates(lease.attributes, lease.repository, HOST_CANDIDATES)) {
      if (resourceRepository.reserveSlot(Resource.TYPE_HOST, lease.attributes, hostId).isEmpty()) {
        continue; // taken meanwhile
      }
      Optional<String> copy = copyOn(resourceRepository.findById(hostId), lease);
      if (copy.isEmpty()) {
        resourceRepository.freeSlot(hostId); // every copy there is in use
        continue;
      }
      Lease host = leases.open(Resource.TYPE_HOST, lease.attributes, hostId, lease.owner);
      host.resourceId = hostId;
      leases.move(host, LeaseStatus.ACQUIRED, null);
      leases.activate(host, CommandTarget.home(hostId)); // as a static host's lease
      lease.hostLeaseId = host.id;
      lease.ownsHostLease = true;
      return copy;
    }
    if (allocator.mayMake(Resource.TYPE_HOST, lease.attributes)) {
      openHostLease(lease);
    }
    return Optional.empty();
  }

  /**
   * No host has a free slot for {@code lease}, but a blueprint may make one: a host lease is opened
   * for it and waits in the host queue like any other (first come, first served, lease groups'
   * priority, a host made for it). Once that lease is active the copy is made on its host; the
   * working-copy lease fails with it, and releases it when it fails itself.
   */
  private void openHostLease(Lease lease) {
    Lease host = leases.open(Resource.TYPE_HOST, lease.attributes, null, lease.owner);
    host.waitTimeoutMs = lease.waitTimeoutMs;
    lease.hostLeaseId = host.id;
    lease.ownsHostLease = true;
    // written now: the allocator keeps a lease it could not serve out of its session
    leaseRepository.flush();
    resources.retryAllocation(
        Resource.TYPE_HOST, "working-copy lease " + lease.id + " waits for a host to be made");
  }

  /** An idle copy of the repository on {@code host}, or a new one if its budget allows. */
  private Optional<String> copyOn(Resource host, Lease lease) {
    Optional<String> idle = copies.reserveIdle(host.id, lease.repository);
    if (idle.isPresent()) {
      return idle;
    }
    Budget budget = budget(host);
    WorkingCopyRepository.Usage usage = copies.usage(host.id);
    while (budget.exceededBy(usage)) {
      Optional<Resource> evictable = copies.lockLeastRecentlyUsedIdle(host.id);
      if (evictable.isEmpty()) {
        return Optional.empty(); // every copy is in use: wait for one
      }
      Resource evicted = evictable.get();
      jobs.claim(evicted);
      resources.move(
          evicted,
          ResourceStatus.RELEASED,
          "evicted: the least recently used idle copy on " + host.name + ", to make room");
      jobs.removeAfterCommit(evicted.id);
      usage = copies.usage(host.id);
    }
    return Optional.of(newCopy(host, lease.repository));
  }

  /** Makes a new (pending) copy of {@code repository} on {@code host} and takes its slot. */
  String newCopy(Resource host, String repository) {
    String slug = slug(repository);
    Resource copy = new Resource();
    copy.id = "wc-" + UUID.randomUUID();
    copy.blueprintId = kind();
    copy.type = type();
    copy.status = ResourceStatus.PENDING;
    copy.name = host.name + "/" + slug + "-" + copy.id.substring(3, 11);
    copy.attributes = Map.of("repository", repository, "host", host.name);
    copy.slots = 1;
    copy.hostId = host.id;
    copy.path = shell(host).joinPath(root(host), "copies", slug + "-" + copy.id.substring(3, 11));
    resources.create(copy);
    copies.reserve(copy.id);
    return copy.id;
  }

  @Override
  public boolean activate(Lease lease) {
    jobs.claim(lease);
    jobs.prepareAfterCommit(lease.id);
    return false;
  }

  /** On the copy's host, in the copy's directory. */
  @Override
  public CommandTarget commandTarget(Lease lease) {
    Resource copy = resourceRepository.findById(lease.resourceId);
    return new CommandTarget(copy.hostId, copy.path);
  }

  @Override
  public boolean release(Lease lease) {
    Resource copy = resourceRepository.findById(lease.resourceId);
    jobs.claim(copy); // it keeps its slot until it is clean
    jobs.cleanAfterCommit(copy.id);
    releaseHostLease(lease, "released with its working copy");
    return false;
  }

  /** Releases the host lease that was taken for this working-copy lease, if one was. */
  void releaseHostLease(Lease lease, String reason) {
    if (lease.ownsHostLease) {
      allocator.release(lease.hostLeaseId, reason).ifPresent(allocator::drain);
    }
  }

  /** The directory a host keeps its working copies and mirrors under. */
  String root(Resource host) {
    return host.path == null ? config.defaultRoot() : host.path;
  }

  /** The bare mirror of {@code repository} on {@code host}. */
  String mirror(Resource host, String repository) {
    return shell(host).joinPath(root(host), "mirrors", slug(repository) + ".git");
  }

  private static Shell shell(Resource host) {
    return Platform.of(host.attributes.getOrDefault("platform", "linux")).shell();
  }

  /**
   * A directory name for {@code repository}: its last path part (letters, digits, {@code ._-}),
   * then a hash of the whole URL, so that two repositories never share a name.
   */
  static String slug(String repository) {
    String trimmed = repository.replaceAll("[/\\\\]+$", "").replaceAll("\\.git$", "");
    String last =
        trimmed.substring(Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf(':')) + 1);
    String name = last.replaceAll("[^A-Za-z0-9._-]", "_").replaceAll("^[.-]+", "");
    if (name.length() > 40) {
      name = name.substring(0, 40);
    }
    return (name.isEmpty() ? "repository" : name) + "-" + hash(repository);
  }

  private static String hash(String text) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A host's working-copy budget, from its blueprint's {@code workingCopies} config. */
  record Budget(long maxCopies, Long maxBytes) {

    /** Whether making one more copy would go beyond the budget. */
    boolean exceededBy(WorkingCopyRepository.Usage usage) {
      return usage.copies() >= maxCopies || (maxBytes != null && usage.bytes() >= maxBytes);
    }
  }

  Budget budget(Resource host) {
    BlueprintRecord blueprint = blueprints.findById(host.blueprintId);
    Object section = blueprint == null ? null : blueprint.config.get("workingCopies");
    Map<?, ?> limits = section instanceof Map<?, ?> m ? m : Map.of();
    return new Budget(
        limits.get("maxCopies") instanceof Number n ? n.longValue() : config.defaultMaxCopies(),
        limits.get("maxBytes") instanceof Number n ? n.longValue() : null);
  }
}
