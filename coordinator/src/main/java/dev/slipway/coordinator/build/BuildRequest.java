package dev.slipway.coordinator.build;

import java.util.Map;

/** {@code POST /api/v1/builds}. */
public record BuildRequest(
    String plan, String repository, String commit, String branch, Map<String, String> variables) {}
