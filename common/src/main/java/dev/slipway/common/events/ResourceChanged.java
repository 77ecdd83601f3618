package dev.slipway.common.events;

import java.util.Map;

/** {@code resource.created} / {@code resource.updated} on {@code slipway.resources}. */
public record ResourceChanged(
    String resourceId,
    String name,
    String type,
    String blueprint,
    String status,
    int slots,
    boolean enabled,
    Map<String, String> attributes) {}
