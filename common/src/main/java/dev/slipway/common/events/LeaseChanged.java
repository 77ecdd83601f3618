package dev.slipway.common.events;

import java.util.Map;

/**
 * Every lease transition, on {@code slipway.leases} (types {@code lease.acquired}, {@code
 * lease.activated}, {@code lease.released}, {@code lease.failed}, {@code lease.broken}).
 */
public record LeaseChanged(
    String leaseId,
    String type,
    String status,
    String previousStatus,
    String resourceId,
    String owner,
    Map<String, String> attributes,
    String reason) {}
