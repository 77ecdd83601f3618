package dev.slipway.common.platform;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * Windows PowerShell, which windows build hosts run Slipway's commands in over OpenSSH for Windows.
 *
 * <p>Values are single-quoted: PowerShell expands nothing in a single-quoted string, and a quote
 * inside one is written twice. PowerShell counts not only {@code '} but also U+2018, U+2019, U+201A
 * and U+201B as single quotes, so each of those is doubled too; otherwise a branch named {@code ’;
 * touch pwned; ’} would close the string.
 */
public final class PowerShell extends Shell {

  static final PowerShell INSTANCE = new PowerShell();

  private static final String SINGLE_QUOTES = "'\u2018\u2019\u201A\u201B";

  private PowerShell() {}

  @Override
  public String quote(String value) {
    requireNoNul(value);
    StringBuilder quoted = new StringBuilder(value.length() + 2).append('\'');
    for (char c : value.toCharArray()) {
      quoted.append(c);
      if (SINGLE_QUOTES.indexOf(c) >= 0) {
        quoted.append(c);
      }
    }
    return quoted.append('\'').toString();
  }

  /**
   * {@code powershell -NoProfile -NonInteractive -EncodedCommand <base64>}, where the base64 is the
   * UTF-16LE script
   *
   * <pre>
   * Set-Location -LiteralPath '&lt;dir&gt;' -ErrorAction Stop
   * $env:NAME = '&lt;value&gt;'
   * &lt;command&gt;
   * exit $LASTEXITCODE
   * </pre>
   *
   * OpenSSH for Windows hands the command line to cmd.exe, which has quoting rules of its own
   * ({@code %VAR%}, {@code ^}, {@code &}, {@code "}) that then meet PowerShell's argument parsing.
   * The encoded command is only letters, digits, {@code +}, {@code /} and {@code =}, so no layer
   * between SSH and PowerShell can read anything into it, and PowerShell alone parses the script.
   * Statements are on their own lines so that a command ending in a {@code #} comment cannot
   * swallow the {@code exit}; {@code -ErrorAction Stop} keeps the command from running elsewhere
   * when the directory is missing.
   */
  @Override
  String render(String workDir, Map<String, String> env, String command) {
    StringBuilder script = new StringBuilder();
    if (workDir != null) {
      script.append("Set-Location -LiteralPath ").append(quote(workDir));
      script.append(" -ErrorAction Stop\n");
    }
    env.forEach((name, value) -> script.append("$env:" + name + " = " + quote(value) + "\n"));
    script.append(command).append("\nexit $LASTEXITCODE");
    return "powershell -NoProfile -NonInteractive -EncodedCommand "
        + Base64.getEncoder().encodeToString(script.toString().getBytes(StandardCharsets.UTF_16LE));
  }

  @Override
  char separator() {
    return '\\';
  }

  @Override
  String forbiddenInPart() {
    return "\\/:";
  }

  /**
   * Also refuses a trailing dot or space: Windows strips them, so {@code ".. "} would be {@code
   * ..}.
   */
  @Override
  String partProblem(String part) {
    String problem = super.partProblem(part);
    if (problem == null && (part.endsWith(".") || part.endsWith(" "))) {
      return "ends with a dot or a space, which Windows strips";
    }
    return problem;
  }
}
