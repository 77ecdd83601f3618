package dev.slipway.platform.blueprint;

import dev.slipway.platform.blueprint.ScriptHostConfig.Invalid;
import dev.slipway.platform.resource.Resource;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The kinds of blueprint an operator may configure: the resource type each makes, and the check of
 * a config for each. The API checks every new or changed blueprint here before it is stored; what a
 * kind does lives in the worker's {@code Blueprint} implementations.
 */
public final class BlueprintKinds {

  /** Preallocated hosts an operator registers ({@code POST /api/v1/hosts}). */
  public static final String STATIC_HOST = "static-host";

  /** Hosts made and destroyed by the operator's scripts ({@link ScriptHostConfig}). */
  public static final String SCRIPT_HOST = ScriptHostConfig.KIND;

  /** The kinds, each with the resource type it makes. */
  private static final Map<String, String> TYPES =
      Map.of(STATIC_HOST, Resource.TYPE_HOST, SCRIPT_HOST, Resource.TYPE_HOST);

  private static final Set<String> STATIC_HOST_KEYS = Set.of("workingCopies");
  private static final Set<String> WORKING_COPY_KEYS = Set.of("maxCopies", "maxBytes");
  private static final int MAX_POOL = 10_000;

  private BlueprintKinds() {}

  /** The kinds an operator may configure, sorted. */
  public static Set<String> names() {
    return new TreeSet<>(TYPES.keySet());
  }

  /** The resource type blueprints of {@code kind} make, or null for an unknown kind. */
  public static String type(String kind) {
    return kind == null ? null : TYPES.get(kind);
  }

  /**
   * Checks a blueprint of {@code kind} with {@code config} and {@code maxResources} (the record's
   * column) as a whole.
   *
   * @throws Invalid naming the field at fault ({@code kind}, {@code maxResources}, {@code
   *     config.<key>})
   */
  public static void check(String kind, Map<String, Object> config, Integer maxResources) {
    if (type(kind) == null) {
      throw new Invalid("kind", "kind must be one of " + names());
    }
    if (maxResources != null && (maxResources < 1 || maxResources > MAX_POOL)) {
      throw new Invalid(
          "maxResources", "maxResources must be a whole number from 1 to " + MAX_POOL);
    }
    Map<String, Object> c = config == null ? Map.of() : config;
    if (SCRIPT_HOST.equals(kind)) {
      ScriptHostConfig.of(c, maxResources);
    } else {
      for (String key : c.keySet()) {
        if (!STATIC_HOST_KEYS.contains(key)) {
          throw new Invalid(
              "config." + key,
              "config." + key + " is not a static-host setting; known: " + STATIC_HOST_KEYS);
        }
      }
    }
    checkWorkingCopies(c.get("workingCopies"));
  }

  /**
   * A script-host's limit of hosts has one home, the record's {@code maxResources}: takes {@code
   * maxResources} out of {@code config} (which it changes) and returns the limit to store.
   *
   * @param given the {@code maxResources} the request gave beside the config, or the stored one
   * @param explicit whether {@code given} came with the request (then the two must agree)
   * @throws Invalid when config's value is no whole number, or both were given and differ
   */
  public static Integer takeMaxResources(
      String kind, Map<String, Object> config, Integer given, boolean explicit) {
    if (!SCRIPT_HOST.equals(kind) || config == null || !config.containsKey("maxResources")) {
      return given;
    }
    Object value = config.remove("maxResources");
    if (value == null) {
      return given;
    }
    if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw new Invalid("config.maxResources", "config.maxResources must be a whole number");
    }
    int inConfig = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, n.longValue()));
    if (explicit && given != null && given != inConfig) {
      throw new Invalid(
          "config.maxResources",
          "config.maxResources ("
              + inConfig
              + ") and maxResources ("
              + given
              + ") differ: give it once, as maxResources");
    }
    return inConfig;
  }

  /**
   * {@code workingCopies}: the working-copy budget of each host ({@code maxCopies}, {@code
   * maxBytes}), as the worker's working-copy blueprint reads it.
   */
  private static void checkWorkingCopies(Object section) {
    if (section == null) {
      return;
    }
    if (!(section instanceof Map<?, ?> limits)) {
      throw new Invalid(
          "config.workingCopies", "config.workingCopies must be an object {maxCopies, maxBytes}");
    }
    for (Map.Entry<?, ?> e : limits.entrySet()) {
      String field = "config.workingCopies." + e.getKey();
      if (!WORKING_COPY_KEYS.contains(String.valueOf(e.getKey()))) {
        throw new Invalid(
            field, field + " is not a working-copy limit; known: " + WORKING_COPY_KEYS);
      }
      if (e.getValue() != null
          && !(e.getValue() instanceof Number n
              && n.doubleValue() == Math.rint(n.doubleValue())
              && n.doubleValue() >= 0
              && n.doubleValue() <= Long.MAX_VALUE)) {
        throw new Invalid(field, field + " must be a whole number, 0 or more");
      }
    }
  }
}
