package dev.slipway.common.events;

import java.util.Map;

/**
 * {@code command.requested} on {@code slipway.command-requests}: a wake-up naming command {@code
 * commandId}. The runner runs what the command's row in the database says (command, host,
 * directory, environment, timeout), never what the event says: an event that names no command or
 * disagrees with its row runs nothing and is dead-lettered, so that writing to the topic is not a
 * way to run commands. Carries no credentials.
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
