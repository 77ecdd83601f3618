package dev.slipway.coordinator.build;

import dev.slipway.common.status.BuildStatus;

/** What {@code GET /api/v1/builds} narrows the list to; a null field does not narrow it. */
public record BuildFilter(String plan, BuildStatus status, String branch, String requestedBy) {}
