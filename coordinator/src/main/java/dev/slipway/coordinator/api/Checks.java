package dev.slipway.coordinator.api;

import dev.slipway.common.limits.Limits;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The API's size checks against {@link Limits}: a value over its limit is a 400 naming the field
 * and the limit.
 */
public final class Checks {

  /**
   * What a name of a plan or a host is: 1-100 letters, digits and {@code . _ -}, starting with a
   * letter or a digit (no spaces, no '/', no control characters).
   */
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

  private Checks() {}

  /** Refuses {@code name} (in {@code field}) when it is missing or not a {@link #NAME}. */
  public static void name(String field, String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw ApiException.badRequest(field, field + " must match " + NAME.pattern());
    }
  }

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
