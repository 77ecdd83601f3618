package dev.slipway.common.events;

import java.util.Map;

/**
 * {@code lease.requested} on {@code slipway.lease-requests}: an allocator should satisfy the
 * pending lease {@code leaseId}. The lease row already exists; this only wakes an allocator.
 */
public record LeaseRequested(
    String leaseId, String type, Map<String, String> attributes, String resourceId, String owner) {}
