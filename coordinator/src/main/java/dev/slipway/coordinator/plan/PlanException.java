package dev.slipway.coordinator.plan;

import dev.slipway.coordinator.api.ApiException;

/** A plan that cannot be run; the message names the line or the step field at fault. */
public final class PlanException extends ApiException {

  public PlanException(String field, String message) {
    super(400, "invalid-plan", message, field);
  }
}
