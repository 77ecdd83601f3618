package dev.slipway.coordinator.build;

import dev.slipway.common.limits.Limits;
import dev.slipway.common.platform.Shell;
import dev.slipway.coordinator.api.ApiException;
import dev.slipway.coordinator.plan.StepSpec;
import dev.slipway.coordinator.plan.Variables;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The values of a build's {@link Variables}, and their use in a {@code run} step: the command gets
 * each value quoted for the host's shell as one word, so that a branch named {@code main;touch
 * pwned} is a word and not a command; environment values get them as they are (the environment is
 * quoted as a whole when the command is run).
 */
final class BuildVariables {

  private static final int MAX_VARIABLES = Limits.VARIABLES;
  private static final int MAX_VALUE = Limits.VARIABLE_VALUE;

  private BuildVariables() {}

  /**
   * Refuses a build whose variables are malformed, or which lacks a value the plan uses ({@code
   * ${commit}} without a commit, {@code ${vars.X}} without variable X), naming the field.
   */
  static void check(BuildRequest request, List<StepSpec> steps) {
    Map<String, String> given = request.variables() == null ? Map.of() : request.variables();
    if (given.size() > MAX_VARIABLES) {
      throw ApiException.badRequest("variables", "at most " + MAX_VARIABLES + " variables");
    }
    given.forEach(
        (name, value) -> {
          if (!Variables.NAME.matcher(name).matches()) {
            throw ApiException.badRequest(
                "variables." + name,
                "variable names are 1-64 letters, digits, _ and -, starting with a letter or _");
          }
          if (value == null || value.length() > MAX_VALUE || value.indexOf('\0') >= 0) {
            throw ApiException.badRequest(
                "variables." + name, "a value is a text of at most 64 KiB, without NUL");
          }
        });
    for (String used : Variables.used(steps)) {
      String field = missing(used, request, given);
      if (field != null) {
        throw ApiException.badRequest(
            field, "the plan uses ${" + used + "}, but the build gives no " + field);
      }
    }
  }

  private static String missing(String used, BuildRequest request, Map<String, String> given) {
    return switch (used) {
      case Variables.COMMIT -> request.commit() == null ? "commit" : null;
      case Variables.BRANCH -> request.branch() == null ? "branch" : null;
      case Variables.REPOSITORY -> request.repository() == null ? "repository" : null;
      default ->
          used.startsWith(Variables.VARS)
                  && !given.containsKey(used.substring(Variables.VARS.length()))
              ? "variables." + used.substring(Variables.VARS.length())
              : null;
    };
  }

  /** Every value {@code step} of {@code build} may use. */
  static Map<String, String> of(Build build, String step) {
    Map<String, String> values = new HashMap<>();
    values.put(Variables.BUILD_ID, build.id);
    values.put(Variables.BUILD_NUMBER, build.number == null ? "0" : build.number.toString());
    values.put(Variables.PLAN, build.planName);
    values.put(Variables.STEP, step);
    putIfSet(values, Variables.COMMIT, build.commit);
    putIfSet(values, Variables.BRANCH, build.branch);
    putIfSet(values, Variables.REPOSITORY, build.repository);
    build.variables.forEach((name, value) -> values.put(Variables.VARS + name, value));
    return values;
  }

  private static void putIfSet(Map<String, String> values, String name, String value) {
    if (value != null) {
      values.put(name, value);
    }
  }

  /**
   * {@code spec}'s command with the values quoted for {@code shell}.
   *
   * @throws IllegalArgumentException when it is longer than {@link Limits#FILLED_COMMAND}
   */
  static String command(StepSpec.Run spec, Shell shell, Map<String, String> values) {
    String command = shell.substitute(spec.command(), values);
    requireFilledSize("the command", command.length());
    return command;
  }

  private static void requireFilledSize(String what, long length) {
    if (length > Limits.FILLED_COMMAND) {
      throw new IllegalArgumentException(
          what
              + " is "
              + length
              + " characters long with its variables filled in; at most "
              + Limits.FILLED_COMMAND
              + " are allowed");
    }
  }

  /**
   * {@code spec}'s environment with the values as they are, but for secrets.
   *
   * @throws IllegalArgumentException when it is longer than {@link Limits#FILLED_COMMAND}
   */
  static Map<String, String> environment(StepSpec.Run spec, Map<String, String> values) {
    Map<String, String> env = new TreeMap<>();
    if (spec.env() != null) {
      spec.env().entrySet().stream()
          .filter(e -> Variables.secretOf(e.getValue()) == null)
          .forEach(e -> env.put(e.getKey(), Shell.expand(e.getValue(), values)));
    }
    requireFilledSize(
        "the environment",
        env.entrySet().stream().mapToLong(e -> e.getKey().length() + e.getValue().length()).sum());
    return env;
  }

  /**
   * An artifact step's {@code path} with the values as they are (it goes to the transfer interface,
   * not to a shell).
   *
   * @throws IllegalArgumentException when a value makes it leave the lease's directory
   */
  static String path(String path, Map<String, String> values) {
    String filled = Shell.expand(path, values);
    String problem = dev.slipway.common.platform.RelativePaths.problem(filled);
    if (problem != null) {
      throw new IllegalArgumentException("path " + problem);
    }
    return filled;
  }

  /** The variables of {@code spec}'s environment that take a secret: name → secret's name. */
  static Map<String, String> secretEnvironment(StepSpec.Run spec) {
    Map<String, String> env = new TreeMap<>();
    if (spec.env() != null) {
      spec.env()
          .forEach(
              (name, value) -> {
                String secret = Variables.secretOf(value);
                if (secret != null) {
                  env.put(name, secret);
                }
              });
    }
    return env;
  }
}
