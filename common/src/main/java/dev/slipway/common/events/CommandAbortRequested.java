package dev.slipway.common.events;

/**
 * {@code command.abort-requested} on {@code slipway.command-requests}, keyed by command id: stop
 * the command (its whole process group on the host) and report it {@code aborted}.
 */
public record CommandAbortRequested(String commandId, String buildId, String reason) {}
