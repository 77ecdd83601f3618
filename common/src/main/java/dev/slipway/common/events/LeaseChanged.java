package dev.slipway.common.events;

import java.util.Map;

/**
 * Every lease transition, on {@code slipway.leases} (types {@code lease.acquired}, {@code
 * lease.activated}, {@code lease.released}, {@code lease.failed}, {@code lease.broken}). A
 * working-copy lease also carries its {@code repository}, the {@code ref} asked for, the verified
 * {@code commit} once active, and the {@code hostLeaseId} it sits on; these are null for hosts.
 */
public record LeaseChanged(
    String leaseId,
    String type,
    String status,
    String previousStatus,
    String resourceId,
    String owner,
    Map<String, String> attributes,
    String reason,
    String repository,
    String ref,
    String commit,
    String hostLeaseId) {}
