package dev.slipway.coordinator.lease;

import java.util.Map;

/**
 * {@code POST /api/v1/leases}. {@code resourceId} pins the lease to one resource; {@code
 * waitTimeout} and {@code heartbeatTimeout} are durations such as {@code 30s} or {@code 5m}. A
 * {@code working-copy} lease gives {@code repository} and {@code ref} (commit id, branch or tag),
 * and either {@code hostLease} (the id of an active host lease to sit on) or {@code attributes} (of
 * the host to choose; a host lease is then taken with it and released with it).
 */
public record LeaseRequest(
    String type,
    Map<String, String> attributes,
    String resourceId,
    String waitTimeout,
    String heartbeatTimeout,
    String owner,
    String repository,
    String ref,
    String hostLease) {}
