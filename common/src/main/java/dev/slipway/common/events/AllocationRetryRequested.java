package dev.slipway.common.events;

/**
 * {@code allocation.retry-requested} on {@code slipway.lease-requests}: something that waiting
 * leases of {@code type} may be waiting for has changed (a host was added, enabled, edited or
 * removed; a blueprint changed), so allocators should look at the queue again.
 */
public record AllocationRetryRequested(String type, String reason) {}
