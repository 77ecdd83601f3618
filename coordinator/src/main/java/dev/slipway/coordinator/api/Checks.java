package dev.slipway.coordinator.api;

import dev.slipway.common.limits.Limits;
import java.util.Map;

/**
 * The API's size checks against {@link Limits}: a value over its limit is a 400 naming the field
 * and the limit.
 */
public final class Checks {

  private Checks() {}

  /** Refuses {@code value} (null passes) when it is longer than {@code max} characters. */
  public static void length(String field, String value, int max) {
    String problem = Limits.tooLong(field, value, max);
    if (problem != null) {
      throw ApiException.badRequest(field, problem);
    }
  }

  /** Refuses too many attributes, or a key or value too long; null passes. */
  public static void attributes(String field, Map<String, String> attributes) {
    Limits.Violation violation = Limits.attributes(field, attributes);
    if (violation != null) {
      throw ApiException.badRequest(violation.field(), violation.message());
    }
  }
}
