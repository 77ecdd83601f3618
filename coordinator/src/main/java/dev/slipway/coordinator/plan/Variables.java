package dev.slipway.coordinator.plan;

import dev.slipway.common.platform.Shell;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code ${name}} placeholders a plan may use in a {@code run} step's {@code command} and
 * {@code env} values and in an artifact step's {@code path}: the build's own facts and its
 * variables ({@code ${vars.NAME}}). See docs/plans.md.
 */
public final class Variables {

  public static final String BUILD_ID = "build.id";
  public static final String BUILD_NUMBER = "build.number";
  public static final String COMMIT = "commit";
  public static final String BRANCH = "branch";
  public static final String REPOSITORY = "repository.uri";
  public static final String PLAN = "plan";
  public static final String STEP = "step.name";
  public static final String VARS = "vars.";
  public static final String SECRETS = "secrets.";

  /** An {@code env} value that is exactly one secret: {@code ${secrets.NAME}}. */
  public static final Pattern SECRET_REFERENCE =
      Pattern.compile("\\$\\{secrets\\.([A-Za-z_][A-Za-z0-9_-]{0,63})}");

  static final List<String> BUILT_IN =
      List.of(BUILD_ID, BUILD_NUMBER, COMMIT, BRANCH, REPOSITORY, PLAN, STEP);

  /** A build variable's name: what follows {@code vars.}. */
  public static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]{0,63}");

  private Variables() {}

  /** Why {@code template} cannot be filled, or null: a malformed {@code ${} or an unknown name. */
  static String problem(String template) {
    Set<String> names;
    try {
      names = Shell.placeholders(template);
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
    for (String name : names) {
      boolean known =
          BUILT_IN.contains(name)
              || (name.startsWith(VARS) && NAME.matcher(name.substring(VARS.length())).matches());
      if (name.startsWith(SECRETS)) {
        return "a secret (${"
            + name
            + "}) can only be the whole value of an env variable, never part of a command or of"
            + " another value";
      }
      if (!known) {
        return "unknown variable ${"
            + name
            + "}; known: "
            + String.join(", ", BUILT_IN)
            + " and vars.<name> (a variable of the build)";
      }
    }
    return null;
  }

  /** The secret an {@code env} value names, or null when it is no secret reference. */
  public static String secretOf(String envValue) {
    var m = SECRET_REFERENCE.matcher(envValue);
    return m.matches() ? m.group(1) : null;
  }

  /** Every secret the steps use. */
  public static Set<String> secretsUsed(List<StepSpec> steps) {
    Set<String> names = new LinkedHashSet<>();
    for (StepSpec step : steps) {
      if (step instanceof StepSpec.Run run && run.env() != null) {
        run.env().values().stream()
            .map(Variables::secretOf)
            .filter(java.util.Objects::nonNull)
            .forEach(names::add);
      }
    }
    return names;
  }

  /**
   * Every placeholder (not secret) the steps' commands, environment values and artifact paths use.
   */
  public static Set<String> used(List<StepSpec> steps) {
    Set<String> names = new LinkedHashSet<>();
    for (StepSpec step : steps) {
      if (step instanceof StepSpec.Run run) {
        names.addAll(Shell.placeholders(run.command()));
        if (run.env() != null) {
          run.env().values().stream()
              .filter(v -> !SECRET_REFERENCE.matcher(v).matches())
              .forEach(v -> names.addAll(Shell.placeholders(v)));
        }
      } else if (step instanceof StepSpec.UploadArtifact upload) {
        names.addAll(Shell.placeholders(upload.path()));
      } else if (step instanceof StepSpec.DownloadArtifact download && download.path() != null) {
        names.addAll(Shell.placeholders(download.path()));
      }
    }
    return names;
  }
}
