package dev.slipway.worker.allocation;

import dev.slipway.common.status.ResourceStatus;
import dev.slipway.platform.blueprint.BlueprintKinds;
import dev.slipway.platform.lease.CommandTarget;
import dev.slipway.platform.lease.Lease;
import dev.slipway.platform.resource.Resource;
import dev.slipway.platform.resource.ResourceRepository;
import dev.slipway.platform.resource.Resources;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;

/** Preallocated hosts an operator registered: leased by slot, never made or destroyed. */
@ApplicationScoped
public final class StaticHostBlueprint implements Blueprint {

  @Inject ResourceRepository resources;
  @Inject Resources lifecycle;

  @Override
  public String kind() {
    return BlueprintKinds.STATIC_HOST;
  }

  @Override
  public String type() {
    return Resource.TYPE_HOST;
  }

  @Override
  public boolean couldEverServe(Lease lease) {
    return resources.anyCouldServe(type(), lease.attributes, lease.pinnedResourceId);
  }

  @Override
  public Optional<String> allocate(Lease lease) {
    return resources.reserveSlot(type(), lease.attributes, lease.pinnedResourceId);
  }

  /** On the host, in the SSH user's home. */
  @Override
  public CommandTarget commandTarget(Lease lease) {
    return CommandTarget.home(lease.resourceId);
  }

  /** Frees the slot; a host an operator removed meanwhile is destroyed with its last lease. */
  @Override
  public boolean release(Lease lease) {
    Optional<ResourceRepository.Freed> left = resources.freeSlot(lease.resourceId);
    if (left.isPresent()
        && (left.get().status() != ResourceStatus.RELEASED || left.get().leasesHeld() > 0)) {
      return true; // the common case, known from the statement that freed the slot
    }
    Resource host = resources.findById(lease.resourceId);
    resources.getEntityManager().flush();
    resources.getEntityManager().refresh(host); // as the statement left it
    if (host.status == ResourceStatus.RELEASED && host.leasesHeld == 0) {
      lifecycle.move(host, ResourceStatus.DESTROYED, "removed; its last lease was released");
      return false;
    }
    return true;
  }
}
