package dev.slipway.common.events;

/** {@code lease.release-requested} on {@code slipway.lease-requests}: free the lease's slot. */
public record LeaseReleaseRequested(String leaseId, String owner, String reason) {}
