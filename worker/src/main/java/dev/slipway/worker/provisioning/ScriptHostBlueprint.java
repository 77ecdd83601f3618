package dev.slipway.worker.provisioning;

import dev.slipway.common.attributes.Attributes;
import dev.slipway.common.status.ResourceStatus;
import dev.slipway.platform.blueprint.BlueprintKinds;
import dev.slipway.platform.blueprint.BlueprintRecord;
import dev.slipway.platform.blueprint.ScriptHostConfig;
import dev.slipway.platform.lease.CommandTarget;
import dev.slipway.platform.lease.Lease;
import dev.slipway.platform.resource.Resource;
import dev.slipway.platform.resource.ResourceRepository;
import dev.slipway.platform.resource.Resources;
import dev.slipway.worker.allocation.Blueprint;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Hosts made on demand by the operator's scripts ({@link ScriptHostConfig}). A lease that no ready
 * host can serve (the allocator asks the blueprints that make nothing first) joins a host of a
 * matching blueprint that is still being made, or has a new one made when the blueprint's limits
 * allow ({@code maxResources} alive, {@code maxProvisioning} being made); otherwise it waits in the
 * queue like any lease. The new host's pending row, with its token and a slot taken for the lease,
 * is written in the allocator's transaction; {@link HostProvisioning} runs {@code provision} only
 * after it commits (intent before action). A host left with no lease is destroyed at once when its
 * blueprint's {@code idleTtl} is 0 (and the warm pool, {@code minIdle}, is full), otherwise by the
 * {@link HostReaper} once it has idled that long. A host with a lease is never destroyed.
 */
@ApplicationScoped
public final class ScriptHostBlueprint implements Blueprint {

  private static final Logger LOG = Logger.getLogger(ScriptHostBlueprint.class);

  @Inject DynamicHostRepository hosts;
  @Inject ResourceRepository resourceRepository;
  @Inject Resources resources;
  @Inject ProvisioningJobs jobs;
  @Inject ProvisioningBackoff backoff;

  /** A stored blueprint of this kind with its config read. */
  record Configured(BlueprintRecord record, ScriptHostConfig config) {}

  @Override
  public String kind() {
    return BlueprintKinds.SCRIPT_HOST;
  }

  @Override
  public String type() {
    return Resource.TYPE_HOST;
  }

  @Override
  public boolean makesResources() {
    return true;
  }

  /** Only while some blueprint of this kind is enabled. */
  @Override
  public boolean mayMakeResources() {
    return hosts.anyEnabled();
  }

  @Override
  public boolean couldEverServe(Lease lease) {
    return lease.pinnedResourceId == null && !serving(lease).isEmpty();
  }

  @Override
  public String whyWaiting(Lease lease) {
    List<Configured> serving = serving(lease);
    if (lease.pinnedResourceId != null || serving.isEmpty()) {
      return null;
    }
    List<String> why = new ArrayList<>();
    for (Configured b : serving) {
      DynamicHostRepository.Counts counts = hosts.counts(b.record().id);
      if (backoff.paused(b.record().id)) {
        why.add(
            "blueprint "
                + b.record().name
                + " makes no host for "
                + backoff.remaining(b.record().id).toSeconds()
                + "s more: its last hosts could not be made (see its hosts' reasons)");
        continue;
      }
      why.add(
          "blueprint "
              + b.record().name
              + " had "
              + counts.alive()
              + " hosts alive (at most "
              + (b.config().maxResources() == null ? "unlimited" : b.config().maxResources())
              + "), all busy");
    }
    return "host with " + Attributes.describe(lease.attributes) + ": " + String.join("; ", why);
  }

  @Override
  public Optional<String> allocate(Lease lease) {
    if (lease.pinnedResourceId != null) {
      return Optional.empty();
    }
    for (Configured b : serving(lease)) {
      Optional<String> joined = hosts.reserveOnPending(b.record().id);
      if (joined.isPresent()) {
        return joined; // a host being made has a slot left: wait for it rather than make another
      }
      DynamicHostRepository.Counts counts = hosts.counts(b.record().id);
      Integer max = b.config().maxResources();
      if (backoff.paused(b.record().id)
          || (max != null && counts.alive() >= max)
          || counts.provisioning() >= b.config().maxProvisioning()) {
        continue;
      }
      String id = make(b, "for lease " + lease.id);
      hosts.reserve(id);
      return Optional.of(id);
    }
    return Optional.empty();
  }

  /**
   * Writes the pending row of a new host of {@code b} (claimed by this worker, with a fresh token)
   * and has it made once the caller's transaction commits.
   *
   * @return its id
   */
  String make(Configured b, String why) {
    Resource host = new Resource();
    host.id = "host-" + UUID.randomUUID();
    host.blueprintId = b.record().id;
    host.type = Resource.TYPE_HOST;
    host.status = ResourceStatus.PENDING;
    host.name = b.record().name + "-" + host.id.substring(5, 17);
    host.attributes = b.config().attributes();
    host.slots = b.config().slotsPerHost();
    host.credentialId = b.config().credentialId();
    host.username = b.config().user();
    host.token = UUID.randomUUID().toString();
    host.reason = "being made " + why;
    jobs.claim(host);
    resources.create(host);
    jobs.provisionAfterCommit(host.id);
    LOG.infof("host %s (%s): making it %s", host.name, host.id, why);
    return host.id;
  }

  /** The lease does not wait for provisioning: {@link HostProvisioning} activates it when ready. */
  @Override
  public boolean activate(Lease lease) {
    return false;
  }

  /** On the host, in the SSH user's home. */
  @Override
  public CommandTarget commandTarget(Lease lease) {
    return CommandTarget.home(lease.resourceId);
  }

  @Override
  public boolean release(Lease lease) {
    resourceRepository.freeSlot(lease.resourceId);
    resourceRepository.getEntityManager().flush();
    Resource host = hosts.lock(lease.resourceId).orElseThrow();
    return !retireIfIdle(host, "its last lease was released");
  }

  /**
   * Retires {@code host} (locked) when it holds no lease and should not be kept: removed by an
   * operator or broken (destroyed now), or idle while its blueprint keeps none (disabled, or {@code
   * idleTtl} 0 with the warm pool full).
   *
   * @return whether it is being destroyed
   */
  boolean retireIfIdle(Resource host, String why) {
    if (host.leasesHeld > 0 || host.busyBy != null) {
      return false;
    }
    if (host.status == ResourceStatus.RELEASED || host.status == ResourceStatus.BROKEN) {
      jobs.claim(host);
      jobs.destroyAfterCommit(host.id);
      return true;
    }
    if (host.status != ResourceStatus.ACTIVE) {
      return false;
    }
    Configured b = configured(host.blueprintId);
    // (the count includes this host: its slot was freed before)
    boolean keep =
        b != null
            && b.record().enabled
            && (!b.config().idleTtl().isZero()
                || hosts.counts(host.blueprintId).idle() <= b.config().minIdle());
    if (keep) {
      return false;
    }
    destroy(
        host,
        b == null || !b.record().enabled ? "its blueprint is disabled: drained" : "idle: " + why);
    return true;
  }

  /** Moves idle {@code host} (locked) to released and destroys it once the caller commits. */
  void destroy(Resource host, String why) {
    jobs.claim(host);
    resources.move(host, ResourceStatus.RELEASED, why);
    jobs.destroyAfterCommit(host.id);
    LOG.infof("host %s (%s): destroying it (%s)", host.name, host.id, why);
  }

  /** The enabled blueprints of this kind whose hosts offer what {@code lease} asks for. */
  private List<Configured> serving(Lease lease) {
    return configured().stream()
        .filter(b -> b.record().enabled && b.config().offers(lease.attributes))
        .toList();
  }

  /** Every blueprint of this kind with a readable config. */
  List<Configured> configured() {
    List<Configured> all = new ArrayList<>();
    for (BlueprintRecord record : hosts.blueprints()) {
      Configured b = read(record);
      if (b != null) {
        all.add(b);
      }
    }
    return all;
  }

  Configured configured(String blueprintId) {
    return hosts.blueprints().stream()
        .filter(r -> r.id.equals(blueprintId))
        .findFirst()
        .map(ScriptHostBlueprint::read)
        .orElse(null);
  }

  private static Configured read(BlueprintRecord record) {
    try {
      return new Configured(record, ScriptHostConfig.of(record));
    } catch (ScriptHostConfig.Invalid e) {
      LOG.warnf("blueprint %s is skipped: %s", record.name, e.getMessage());
      return null;
    }
  }
}
