package dev.slipway.common.platform;

/**
 * Paths inside a directory on a host (a lease's directory): {@code /}-separated and relative, so
 * that they cannot name anything outside it. The transfer interface and the plan parser (artifact
 * paths) apply the same rule.
 */
public final class RelativePaths {

  private RelativePaths() {}

  /**
   * Why {@code relative} is no path inside a directory: absolute, empty, with a control character
   * (NUL, a newline, ...), or with an empty, {@code .} or {@code ..} part or a backslash (which
   * could name something outside); null when it is one.
   */
  public static String problem(String relative) {
    if (relative == null || relative.isEmpty()) {
      return "an empty path names nothing inside the working directory";
    }
    if (relative.startsWith("/") || relative.matches("^[A-Za-z]:.*")) {
      return "'" + relative + "' is absolute; give a path inside the working directory";
    }
    if (relative.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      return "'" + relative.replaceAll("\\p{Cntrl}", "?") + "' holds a control character";
    }
    for (String part : relative.split("/", -1)) {
      if (part.isEmpty()
          || part.equals(".")
          || part.equals("..")
          || part.indexOf('\\') >= 0
          || part.indexOf('\0') >= 0) {
        return "'" + relative + "' has the part '" + part + "'; it must stay inside the directory";
      }
    }
    return null;
  }
}
