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

  /** {@code scheme://rest}: the URL forms git knows. */
  private static final Pattern URL =
      Pattern.compile("(?<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?<rest>.*)");

  /** scp-like {@code [user@]host:path} (no scheme, no slash before the colon, not {@code ::}). */
  private static final Pattern SCP_LIKE =
      Pattern.compile("(?:[A-Za-z0-9._~-]+@)?[A-Za-z0-9][A-Za-z0-9.-]*:(?!:).*");

  /** What a repository may be given as, for error messages. */
  public static final String FORMS =
      "https://host/path, ssh://[user@]host[:port]/path, user@host:path or git://host/path";

  /**
   * Why {@code repository} cannot be cloned, or null when it has one of the allowed forms: {@code
   * https://}, {@code ssh://}, {@code git@host:path}, {@code git://}, and {@code file://} or an
   * absolute path only when {@code allowFile}. Remote helpers ({@code ext::}, {@code fd::}) and
   * other schemes are refused, and so is a URL carrying credentials ({@code https://user:token@}):
   * they belong in {@code /api/v1/repositories}, where they are kept encrypted. The message never
   * repeats the value, which may hold a secret.
   */
  public static String repositoryProblem(String repository, boolean allowFile) {
    if (repository == null || repository.isBlank()) {
      return "repository is required";
    }
    if (repository.startsWith("-") || repository.chars().anyMatch(Character::isISOControl)) {
      return "repository must not start with '-' or contain control characters";
    }
    if (repository.length() > 1000) {
      return "repository is longer than 1000 characters";
    }
    var url = URL.matcher(repository);
    if (url.matches()) {
      String scheme = url.group("scheme").toLowerCase(java.util.Locale.ROOT);
      String rest = url.group("rest");
      // Whatever precedes the last '@' may be a user and password, even with '/' in it: only ssh
      // may name a user, and no URL may carry a password.
      int at = rest.lastIndexOf('@');
      String userinfo = at < 0 ? null : rest.substring(0, at);
      if (userinfo != null && (!scheme.equals("ssh") || userinfo.contains(":"))) {
        return "repository must not carry credentials in its URL: register the repository's"
            + " token or key with POST /api/v1/repositories and name it without them";
      }
      if (!scheme.equals("file") && optionLike(userinfo, rest.substring(at + 1))) {
        return "repository's host and user must not start with '-' (ssh would read them as an"
            + " option)";
      }
      return switch (scheme) {
        case "https", "ssh", "git" -> rest.isEmpty() ? "repository has no host" : null;
        case "file" -> allowFile ? null : fileRefused();
        default -> "repository must be one of " + FORMS + " (scheme '" + scheme + "' is refused)";
      };
    }
    if (repository.startsWith("/")) {
      return allowFile ? null : fileRefused();
    }
    if (SCP_LIKE.matcher(repository).matches()) {
      return null;
    }
    return "repository must be one of " + FORMS;
  }

  /**
   * Whether the user ({@code userinfo}, may be null) or the host at the start of {@code afterUser}
   * (up to the port, the path or the end; inside {@code [...]} when bracketed, as git reads it)
   * starts with '-': git hands both to ssh as arguments, where they would be read as options.
   */
  private static boolean optionLike(String userinfo, String afterUser) {
    if (userinfo != null && userinfo.startsWith("-")) {
      return true;
    }
    String host = afterUser.startsWith("[") ? afterUser.substring(1) : afterUser;
    return host.startsWith("-");
  }

  private static String fileRefused() {
    return "repositories on the worker's own file system (file:// or a path) are refused;"
        + " set slipway.repositories.allow-file=true to allow them";
  }
}
