package dev.slipway.common.platform;

import java.util.Map;
import java.util.StringJoiner;

/**
 * The POSIX shell (sh, dash, bash, zsh) that linux and macos build hosts run SSH commands in.
 *
 * <p>Values are single-quoted: between single quotes a POSIX shell expands nothing, and the only
 * character that needs care is the single quote itself, written as {@code '"'"'} (close, a
 * double-quoted quote, reopen).
 */
public final class PosixShell extends Shell {

  static final PosixShell INSTANCE = new PosixShell();

  private PosixShell() {}

  @Override
  public String quote(String value) {
    return "'" + requireNoNul(value).replace("'", "'\"'\"'") + "'";
  }

  /**
   * {@code cd ./<dir> && export A='1' B='2' && exec /bin/sh -c -- '<command>'}. The command is
   * handed to a fresh {@code /bin/sh} as one quoted word, so a multi-line script stays one
   * well-formed command that runs only when the cd and the exports succeed, and its exit status is
   * the line's. {@code /bin/sh} is named absolutely because the exports may change PATH. A relative
   * directory gets {@code ./} so that neither CDPATH nor a leading {@code -} changes its meaning.
   */
  @Override
  String render(String workDir, Map<String, String> env, String command) {
    StringJoiner steps = new StringJoiner(" && ");
    if (workDir != null) {
      steps.add("cd " + quote(workDir.startsWith("/") ? workDir : "./" + workDir));
    }
    if (!env.isEmpty()) {
      StringJoiner exports = new StringJoiner(" ", "export ", "");
      env.forEach((name, value) -> exports.add(name + "=" + quote(value)));
      steps.add(exports.toString());
    }
    steps.add("exec /bin/sh -c -- " + quote(command));
    return steps.toString();
  }

  /**
   * A command line that runs the POSIX script {@code body} with {@code args} as {@code $1 …}
   * ({@code $0} is {@code name}): every argument is one quoted word, never part of the script.
   */
  public static String callScript(String body, String name, String... args) {
    StringBuilder line = new StringBuilder("/bin/sh -c ").append(INSTANCE.quote(body)).append(' ');
    line.append(INSTANCE.quote(name));
    for (String arg : args) {
      line.append(' ').append(INSTANCE.quote(arg));
    }
    return line.toString();
  }

  @Override
  char separator() {
    return '/';
  }

  @Override
  String forbiddenInPart() {
    return "/";
  }
}
