package dev.slipway.coordinator.host;

import java.util.Map;

/**
 * {@code PATCH /api/v1/hosts/{id}}: what to change; absent fields stay. {@code attributes} replaces
 * the operator's attributes ({@code platform} and {@code preallocated} are kept).
 */
public record HostEdit(
    Map<String, String> attributes,
    Integer slots,
    Boolean enabled,
    String address,
    Integer port,
    String user) {}
