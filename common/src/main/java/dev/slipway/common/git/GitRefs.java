package dev.slipway.common.git;

import java.util.regex.Pattern;

/**
 * What a working-copy lease may name: a ref (commit id, branch or tag) and a repository. Both come
 * from outside (a webhook's branch name is attacker-controlled) and are checked before anything
 * runs; commands still pass them as quoted arguments, never as script text.
 */
public final class GitRefs {

  /** Branch and tag names, and commit ids: no leading '-', no "..", no spaces or control chars. */
  private static final Pattern REF = Pattern.compile("(?!-)(?!.*\\.\\.)[A-Za-z0-9._/+@-]{1,255}");

  private GitRefs() {}

  /** Why {@code ref} cannot be checked out, or null when it is a plain ref or commit id. */
  public static String refProblem(String ref) {
    if (ref == null || ref.isBlank()) {
      return "ref is required (a commit id, branch or tag)";
    }
    if (!REF.matcher(ref).matches()) {
      return "ref '"
          + ref.replaceAll("\\p{Cntrl}", "?")
          + "' is not a commit id, branch or tag (letters, digits and ._/+@- only,"
          + " no leading '-', no '..')";
    }
    return null;
  }

  /**
   * Why {@code repository} cannot be cloned, or null when it looks like a git URL ({@code
   * https://}, {@code ssh://}, {@code git@host:path}, {@code file://}) or an absolute path.
   */
  public static String repositoryProblem(String repository) {
    if (repository == null || repository.isBlank()) {
      return "repository is required";
    }
    if (repository.startsWith("-") || repository.chars().anyMatch(Character::isISOControl)) {
      return "repository must not start with '-' or contain control characters";
    }
    if (repository.length() > 1000) {
      return "repository is longer than 1000 characters";
    }
    return null;
  }
}
