package dev.slipway.common.events;

import java.util.Map;

/**
 * {@code resource.*} on {@code slipway.resources}: the resource as it is after the change, and why
 * it changed ({@code reason}: the reason of its last move, e.g. why a dynamic host was made or
 * destroyed; null when none was given).
 */
public record ResourceChanged(
    String resourceId,
    String name,
    String type,
    String blueprint,
    String status,
    int slots,
    boolean enabled,
    Map<String, String> attributes,
    String reason) {}
