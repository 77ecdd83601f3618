package dev.slipway.common.attributes;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Attribute vocabulary: keys and values are strings; a lease's requested attributes match a
 * resource when the resource has every requested key with exactly the requested value.
 */
public final class Attributes {

  /** Keys: a letter, then letters, digits, '.', '_' or '-' (at most 64 characters). */
  public static final Pattern KEY = Pattern.compile("[A-Za-z][A-Za-z0-9._-]{0,63}");

  private Attributes() {}

  /** Whether {@code offered} contains every pair of {@code requested}. */
  public static boolean matches(Map<String, String> offered, Map<String, String> requested) {
    return requested.entrySet().stream()
        .allMatch(e -> Objects.equals(offered.get(e.getKey()), e.getValue()));
  }

  /** The requested pairs that {@code offered} does not satisfy. */
  public static Map<String, String> unmet(
      Map<String, String> offered, Map<String, String> requested) {
    return requested.entrySet().stream()
        .filter(e -> !Objects.equals(offered.get(e.getKey()), e.getValue()))
        .collect(
            Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
  }

  /** {@code platform=linux,role=build}, sorted by key; {@code (any)} when empty. */
  public static String describe(Map<String, String> attributes) {
    if (attributes.isEmpty()) {
      return "(any)";
    }
    return new TreeMap<>(attributes)
        .entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(","));
  }

  /**
   * Validates keys and values.
   *
   * @return the problem, or {@code null} when the map is valid
   */
  public static String problem(Map<String, String> attributes) {
    for (Map.Entry<String, String> e : attributes.entrySet()) {
      if (e.getKey() == null || !KEY.matcher(e.getKey()).matches()) {
        return "attribute key '" + e.getKey() + "' must match " + KEY.pattern();
      }
      if (e.getValue() == null) {
        return "attribute '" + e.getKey() + "' has no value";
      }
    }
    return null;
  }
}
