package dev.slipway.common.events;

import java.util.Map;

/**
 * {@code command.requested} on {@code slipway.command-requests}: run {@code command} on the host
 * resource that lease {@code leaseId} holds. Carries no credentials: the runner looks up the
 * resource's credential id itself.
 */
public record CommandRequested(
    String commandId,
    String buildId,
    String step,
    String leaseId,
    String resourceId,
    String command,
    Map<String, String> environment,
    String workingDirectory,
    long timeoutSeconds) {}
