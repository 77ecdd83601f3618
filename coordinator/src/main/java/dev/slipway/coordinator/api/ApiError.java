package dev.slipway.coordinator.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The body of every error response: {@code {error, message, field?}}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiError(String error, String message, String field) {}
