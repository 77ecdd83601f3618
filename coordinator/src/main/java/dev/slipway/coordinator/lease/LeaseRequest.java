package dev.slipway.coordinator.lease;

import java.util.Map;

/**
 * {@code POST /api/v1/leases}. {@code resourceId} pins the lease to one resource; {@code
 * waitTimeout} and {@code heartbeatTimeout} are durations such as {@code 30s} or {@code 5m}.
 */
public record LeaseRequest(
    String type,
    Map<String, String> attributes,
    String resourceId,
    String waitTimeout,
    String heartbeatTimeout,
    String owner) {}
