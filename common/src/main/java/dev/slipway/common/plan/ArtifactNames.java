package dev.slipway.common.plan;

import java.util.regex.Pattern;

/**
 * Names of a build's artifacts: letters, digits, {@code .}, {@code _} and {@code -}, first a letter
 * or digit, at most 100; safe as a file name in the store and in a download's file name.
 */
public final class ArtifactNames {

  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

  private ArtifactNames() {}

  /** Why {@code name} is no artifact name; null when it is one. */
  public static String problem(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      return "an artifact name must match " + NAME.pattern();
    }
    return null;
  }
}
