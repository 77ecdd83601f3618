package dev.slipway.common.platform;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes command lines for the shell a build host runs Slipway's SSH commands in.
 *
 * <p>Values that reach a build host from outside (branch names are chosen by whoever pushes) must
 * never execute anything, so every value is turned into one literal word with {@link #quote} before
 * it is put into a command. The rules both shells share (which path parts are safe, which
 * environment names are valid, how templates are filled in) live here; {@link PosixShell} and
 * {@link PowerShell} supply only the quoting and the shape of the final command line.
 */
public abstract sealed class Shell permits PosixShell, PowerShell {

  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /** {@code $${} (a literal), {@code ${name}}, or any other {@code ${} (an error). */
  private static final Pattern PLACEHOLDER =
      Pattern.compile("\\$\\$\\{|\\$\\{([A-Za-z0-9_.-]+)}|\\$\\{");

  Shell() {}

  /**
   * {@code value} as one literal word of this shell: nothing in it is expanded or executed.
   *
   * @throws IllegalArgumentException when the value contains NUL, which no shell can pass on
   */
  public abstract String quote(String value);

  /**
   * {@code dir} followed by {@code parts}, joined with this platform's separator. Each part must
   * name exactly one child, so that the result can never leave {@code dir}.
   *
   * @throws IllegalArgumentException naming the part that is empty, {@code .}, {@code ..}, or
   *     contains a separator or NUL
   */
  public final String joinPath(String dir, String... parts) {
    if (dir == null || dir.isEmpty() || dir.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("base directory " + describe(dir) + " is not a path");
    }
    StringBuilder path = new StringBuilder(dir);
    for (String part : parts) {
      String problem = partProblem(part);
      if (problem != null) {
        throw new IllegalArgumentException("path part " + describe(part) + " " + problem);
      }
      if (!endsWithSeparator(path)) {
        path.append(separator());
      }
      path.append(part);
    }
    return path.toString();
  }

  /**
   * The complete remote command line that changes to {@code workDir} (unless it is null), exports
   * {@code env} (in name order), then runs {@code command}. The command is the user's script and
   * runs as code; only the directory and the environment values are quoted.
   *
   * @throws IllegalArgumentException naming an environment variable whose name is not {@code
   *     [A-Za-z_][A-Za-z0-9_]*}, or when workDir is empty or a value contains NUL
   */
  public final String script(String workDir, Map<String, String> env, String command) {
    return render(workDir, checked(workDir, env, command), command);
  }

  /**
   * The arguments of {@link #script}, checked as it documents: {@code env} in name order.
   *
   * @throws IllegalArgumentException as {@link #script}
   */
  static Map<String, String> checked(String workDir, Map<String, String> env, String command) {
    Objects.requireNonNull(command, "command");
    if (workDir != null && workDir.isEmpty()) {
      throw new IllegalArgumentException("workDir is empty; pass null to stay where SSH starts");
    }
    for (Map.Entry<String, String> variable : env.entrySet()) {
      if (!ENV_NAME.matcher(variable.getKey()).matches()) {
        throw new IllegalArgumentException(
            "environment variable name " + describe(variable.getKey()) + " is not valid");
      }
      Objects.requireNonNull(variable.getValue(), variable.getKey());
    }
    return new TreeMap<>(env);
  }

  /**
   * {@code template} with every {@code ${name}} replaced by the {@link #quote quoted} value of that
   * variable; {@code $${} stands for a literal {@code ${}. A placeholder must stand as a whole
   * word outside any quotes of the template: inside double quotes a POSIX shell would still expand
   * what the quoted value contains.
   *
   * @throws IllegalArgumentException naming an unknown variable, or at a {@code ${} that is not a
   *     placeholder
   */
  public final String substitute(String template, Map<String, String> variables) {
    return replace(template, variables, this::quote);
  }

  /**
   * {@code template} with every {@code ${name}} replaced by the value itself, unquoted: for values
   * that never reach a shell as code (environment variables, which are quoted as a whole).
   *
   * @throws IllegalArgumentException as {@link #substitute}
   */
  public static String expand(String template, Map<String, String> variables) {
    return replace(template, variables, UnaryOperator.identity());
  }

  /**
   * The names of the variables {@code template} uses, in order of first use.
   *
   * @throws IllegalArgumentException at a {@code ${} that is not a placeholder
   */
  public static Set<String> placeholders(String template) {
    Set<String> names = new LinkedHashSet<>();
    Matcher m = PLACEHOLDER.matcher(template);
    while (m.find()) {
      if (!m.group().equals("$${")) {
        names.add(placeholder(m));
      }
    }
    return names;
  }

  private static String placeholder(Matcher m) {
    if (m.group(1) == null) {
      throw new IllegalArgumentException(
          "'${' at index " + m.start() + " is not a placeholder; write $${ for a literal ${");
    }
    return m.group(1);
  }

  private static String replace(
      String template, Map<String, String> variables, UnaryOperator<String> render) {
    Matcher m = PLACEHOLDER.matcher(template);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String replacement;
      if (m.group().equals("$${")) {
        replacement = "${";
      } else {
        String name = placeholder(m);
        String value = variables.get(name);
        if (value == null) {
          throw new IllegalArgumentException(
              "unknown variable ${"
                  + name
                  + "} (known: "
                  + new TreeMap<>(variables).keySet()
                  + ")");
        }
        replacement = render.apply(value);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** The command line for {@link #script}, with the arguments already checked. */
  abstract String render(String workDir, Map<String, String> env, String command);

  /** The separator {@link #joinPath} puts between parts. */
  abstract char separator();

  /** Characters that would let a path part name something other than one child. */
  abstract String forbiddenInPart();

  /** Why {@code part} may not be joined as one path component, or null when it may. */
  String partProblem(String part) {
    if (part == null || part.isEmpty() || part.equals(".") || part.equals("..")) {
      return "does not name a child";
    }
    if (part.indexOf('\0') >= 0) {
      return "contains NUL";
    }
    for (char c : forbiddenInPart().toCharArray()) {
      if (part.indexOf(c) >= 0) {
        return "contains '" + c + "'";
      }
    }
    return null;
  }

  /** Whether {@code path} already ends in a separator; {@code /} is one on every platform. */
  private boolean endsWithSeparator(CharSequence path) {
    char last = path.charAt(path.length() - 1);
    return last == separator() || last == '/';
  }

  /** {@code value} fit for an error message: quoted, with NUL made visible. */
  static String describe(String value) {
    return value == null ? "null" : "'" + value.replace("\0", "\\0") + "'";
  }

  /** {@code value}, unless it contains NUL. */
  static String requireNoNul(String value) {
    if (value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          "value " + describe(value) + " contains NUL, which cannot be passed through a shell");
    }
    return value;
  }
}
