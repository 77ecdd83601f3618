package dev.slipway.common.events;

/** {@code build.*} and {@code step.*} events on {@code slipway.builds}, keyed by build id. */
public record BuildChanged(
    String buildId, String plan, String status, String step, String stepStatus, String reason) {}
