package dev.slipway.coordinator.lease.rest;

import dev.slipway.common.status.LeaseStatus;
import dev.slipway.platform.lease.Lease;
import dev.slipway.platform.lease.LeaseRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** Leases as the API shows them ({@link LeaseResource.LeaseView}), alone or in a lease group. */
@ApplicationScoped
public class LeaseViews {

  @Inject LeaseRepository leases;

  /** {@code l} as the API shows it. */
  public LeaseResource.LeaseView view(Lease l) {
    return new LeaseResource.LeaseView(
        l.id,
        l.type,
        l.status.wireName(),
        l.attributes,
        l.resourceId,
        l.pinnedResourceId,
        l.owner,
        l.reason,
        l.status == LeaseStatus.PENDING && l.seq != null ? leases.queuePosition(l) : null,
        l.createdAt,
        l.updatedAt,
        l.expiresAt,
        l.repository,
        l.ref,
        l.commit,
        l.hostLeaseId,
        l.commandHostId,
        l.commandDirectory);
  }
}
