package dev.slipway.common.platform;

/**
 * What a host's {@code workingCopyRoot} (the directory on the host under which its mirrors, working
 * copies and repository credentials live) may be. Working copies live on POSIX hosts only, so this
 * is a POSIX path, absolute or relative to the SSH user's home (the default is {@code
 * .slipway/working-copies}). The scripts on the host take it as a quoted argument anyway; this
 * refuses what no sane directory name holds, and what ssh would read as its own quoting or
 * expansions in the path of a repository's deploy key.
 */
public final class WorkingCopyRoots {

  /** The longest root accepted, in characters. */
  public static final int MAX_LENGTH = 1000;

  /** Characters a root may hold besides letters and digits (of any script). */
  private static final String ALLOWED_SYMBOLS = " /._-+,@=:~";

  private WorkingCopyRoots() {}

  /**
   * Why {@code root} cannot be a host's working-copy root, as a message naming the field, or null
   * when it can. Null and empty roots are refused: a caller that has a default uses it instead.
   */
  public static String problem(String root) {
    if (root == null || root.isBlank()) {
      return "workingCopyRoot must not be empty";
    }
    if (root.length() > MAX_LENGTH) {
      return "workingCopyRoot must be at most " + MAX_LENGTH + " characters long";
    }
    if (root.chars().anyMatch(Character::isISOControl)) {
      return "workingCopyRoot must not contain control characters (such as a newline)";
    }
    if (!root.equals(root.strip())) {
      return "workingCopyRoot must not start or end with a space";
    }
    if (root.startsWith("-")) {
      return "workingCopyRoot must not start with '-'";
    }
    if (root.startsWith("~")) {
      return "workingCopyRoot must not start with '~': a relative path is under the SSH user's"
          + " home already";
    }
    for (String segment : root.split("/", -1)) {
      if (segment.equals("..")) {
        return "workingCopyRoot must not contain '..' path segments";
      }
    }
    if (root.chars().allMatch(c -> c == '/' || c == '.')) {
      return "workingCopyRoot must name a directory below '/' or the home directory";
    }
    int bad =
        root.codePoints()
            .filter(c -> !Character.isLetterOrDigit(c) && ALLOWED_SYMBOLS.indexOf(c) < 0)
            .findFirst()
            .orElse(-1);
    if (bad >= 0) {
      return "workingCopyRoot must hold only letters, digits, spaces and "
          + ALLOWED_SYMBOLS.strip()
          + " (not "
          + new String(Character.toChars(bad))
          + ")";
    }
    return null;
  }
}
