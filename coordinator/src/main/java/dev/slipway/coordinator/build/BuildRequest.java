package dev.slipway.coordinator.build;

import java.util.Map;

/**
 * {@code POST /api/v1/builds}; {@code planVersion} (optional) runs that version of the plan instead
 * of its current one.
 */
public record BuildRequest(
    String plan,
    String repository,
    String commit,
    String branch,
    Map<String, String> variables,
    Integer planVersion) {}
