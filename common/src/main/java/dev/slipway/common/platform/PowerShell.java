package dev.slipway.common.platform;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Windows PowerShell, which windows build hosts run Slipway's commands in over OpenSSH for Windows.
 *
 * <p>Values are single-quoted: PowerShell expands nothing in a single-quoted string, and a quote
 * inside one is written twice. PowerShell counts not only {@code '} but also U+2018, U+2019, U+201A
 * and U+201B as single quotes, so each of those is doubled too; otherwise a branch named {@code ’;
 * touch pwned; ’} would close the string.
 *
 * <p>A command runs in a PowerShell process whose id it prints first ({@link #scriptPrintingPid}),
 * so that an abort or a timeout can kill that process and every process it started ({@link
 * #killTree}): on Windows, closing the SSH channel does not reliably end them.
 */
public final class PowerShell extends Shell {

  static final PowerShell INSTANCE = new PowerShell();

  private static final String SINGLE_QUOTES = "'\u2018\u2019\u201A\u201B";

  /** What a process id marker must look like: it is written into the script as it is. */
  private static final Pattern MARKER = Pattern.compile("[A-Za-z0-9-]{16,64}");

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
    return encode("", workDir, env, command);
  }

  /**
   * As {@link #script}, with one more statement first: it prints the line {@code <marker> <pid>
   * <marker>} on standard output, {@code <pid>} being {@code $PID}, the id of the PowerShell
   * process that runs the command (and is the root of the processes it starts); the line ends in a
   * line feed only. The marker is chosen at random for each command by the caller, so neither what
   * the host prints before the command nor the command's own output can pass for that line.
   *
   * @param marker 16 to 64 letters, digits and dashes
   * @throws IllegalArgumentException as {@link #script}, or naming a marker of another shape
   */
  public static String scriptPrintingPid(
      String workDir, Map<String, String> env, String command, String marker) {
    if (marker == null || !MARKER.matcher(marker).matches()) {
      throw new IllegalArgumentException(
          "process id marker " + describe(marker) + " is not 16 to 64 letters, digits and dashes");
    }
    return INSTANCE.encode(pidLine(marker), workDir, checked(workDir, env, command), command);
  }

  /** The statement of {@link #scriptPrintingPid} that prints the marked process id, flushed. */
  static String pidLine(String marker) {
    return "[Console]::Out.Write("
        + INSTANCE.quote(marker + " ")
        + " + $PID + "
        + INSTANCE.quote(" " + marker)
        + " + [char]10); [Console]::Out.Flush()\n";
  }

  /**
   * The command line, for the host's SSH shell, that kills process {@code pid} and every process it
   * started, at once: {@code taskkill /PID <pid> /T /F}. The pid is a number, never text from the
   * host.
   *
   * @throws IllegalArgumentException when {@code pid} is not a Windows process id (1 to 2^32-1)
   */
  public static String killTree(long pid) {
    if (pid <= 0 || pid > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException("process id " + pid + " is not a Windows process id");
    }
    return "taskkill /PID " + pid + " /T /F";
  }

  /** The encoded command line of {@code prelude} followed by the script {@link #script} runs. */
  private String encode(String prelude, String workDir, Map<String, String> env, String command) {
    StringBuilder script = new StringBuilder(prelude);
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
