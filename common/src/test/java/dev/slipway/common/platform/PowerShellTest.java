package dev.slipway.common.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Scripts for windows. The expected strings are written out by hand; where {@code pwsh} is on PATH
 * hostile values are also run through it.
 */
class PowerShellTest {

  private final Shell shell = Platform.WINDOWS.shell();

  @TempDir Path temp;

  static Stream<Arguments> scripts() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("Z", "’; touch pwned");
    env.put("A", "$(x)");
    return Stream.of(
        Arguments.of(null, Map.of(), "make", "make\nexit $LASTEXITCODE"),
        Arguments.of(
            "C:\\it's",
            Map.of(),
            "make # all",
            "Set-Location -LiteralPath 'C:\\it''s' -ErrorAction Stop\nmake # all\nexit $LASTEXITCODE"),
        Arguments.of(
            null,
            env,
            "a\nb",
            "$env:A = '$(x)'\n$env:Z = '’’; touch pwned'\na\nb\nexit $LASTEXITCODE"));
  }

  @ParameterizedTest
  @MethodSource("scripts")
  void encodesTheScript(String workDir, Map<String, String> env, String command, String script) {
    assertEquals(script, decode(shell.script(workDir, env, command)));
  }

  @Test
  void scriptIsOneEncodedCommandLine() {
    assertEquals(
        "powershell -NoProfile -NonInteractive -EncodedCommand "
            + "UwBlAHQALQBMAG8AYwBhAHQAaQBvAG4AIAAtAEwAaQB0AGUAcgBhAGwAUABhAHQAaAAgACcAQwA6AFwAYgAnACcA"
            + "cwAnACAALQBFAHIAcgBvAHIAQQBjAHQAaQBvAG4AIABTAHQAbwBwAAoAJABlAG4AdgA6AEIAUgBBAE4AQwBIACAA"
            + "PQAgACcAeAAnACcAeQAnAAoAZwBpAHQAIABzAHQAYQB0AHUAcwAKAGUAeABpAHQAIAAkAEwAQQBTAFQARQBYAEkA"
            + "VABDAE8ARABFAA==",
        shell.script("C:\\b's", Map.of("BRANCH", "x'y"), "git status"));
  }

  @Test
  void scriptPrintingPidPrintsTheMarkedPidBeforeAnythingElse() {
    String marker = "slipway-0123456789abcdef01234567";
    String line =
        PowerShell.scriptPrintingPid("C:\\it's", Map.of("A", "'x'"), "make # all", marker);

    assertTrue(line.startsWith("powershell -NoProfile -NonInteractive -EncodedCommand "), line);
    assertEquals(
        "[Console]::Out.Write('slipway-0123456789abcdef01234567 ' + $PID + '"
            + " slipway-0123456789abcdef01234567' + [char]10); [Console]::Out.Flush()\n"
            + "Set-Location -LiteralPath 'C:\\it''s' -ErrorAction Stop\n"
            + "$env:A = '''x'''\n"
            + "make # all\n"
            + "exit $LASTEXITCODE",
        decode(line));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "short",
        "slipway-0123456789abcdef' + $(calc) + '",
        "slipway 0123456789abcdef"
      })
  void scriptPrintingPidRefusesAMarkerOfAnotherShape(String marker) {
    IllegalArgumentException refused =
        assertThrows(
            IllegalArgumentException.class,
            () -> PowerShell.scriptPrintingPid(null, Map.of(), "make", marker));
    assertTrue(refused.getMessage().contains("process id marker"), refused.getMessage());
  }

  @Test
  void scriptPrintingPidChecksItsArgumentsAsScriptDoes() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            PowerShell.scriptPrintingPid(
                null, Map.of("NO-DASH", "x"), "make", "slipway-0123456789abcdef"));
  }

  @Test
  void killTreeIsTaskkillOfTheTreeForced() {
    assertEquals("taskkill /PID 4242 /T /F", PowerShell.killTree(4242));
    assertEquals("taskkill /PID 4294967295 /T /F", PowerShell.killTree(0xFFFF_FFFFL));
    for (long wrong : new long[] {0, -1, 0x1_0000_0000L}) {
      assertThrows(IllegalArgumentException.class, () -> PowerShell.killTree(wrong));
    }
  }

  /** Where pwsh is installed: the marked pid is that of the process that runs the command. */
  @Test
  void pwshPrintsItsOwnPidMarkedBeforeTheCommandsOutput() throws Exception {
    String marker = "slipway-feedfacefeedfacefeedface";
    String line =
        PowerShell.scriptPrintingPid(null, Map.of(), "[Console]::Out.Write($PID)", marker);
    String out = Processes.run(temp, pwsh(line)).text();
    String pid = out.substring(out.indexOf('\n') + 1);
    assertEquals(marker + " " + pid + " " + marker + "\n" + pid, out);
  }

  @ParameterizedTest
  @MethodSource("dev.slipway.common.platform.HostileValues#all")
  void pwshPrintsQuotedValueVerbatim(String value) throws Exception {
    String line = shell.script(null, Map.of(), "[Console]::Out.Write(" + shell.quote(value) + ")");

    Processes.assertPrints(value, temp, pwsh(line));
  }

  @Test
  void pwshEntersDirectoryAndSeesEnvironment() throws Exception {
    Path dir = Files.createDirectory(temp.resolve("it’s 'a' dir $(x)")).toRealPath();
    String line =
        shell.script(
            dir.toString(),
            Map.of("VALUE", "’; touch pwned; ’"),
            "[Console]::Out.Write((Get-Location).Path + '|' + $env:VALUE)");

    Processes.assertPrints(dir + "|’; touch pwned; ’", temp, pwsh(line));
  }

  /** {@code line} as the arguments of a local pwsh; skips the test where there is none. */
  private static String[] pwsh(String line) {
    assumeTrue(
        Processes.onPath("pwsh"),
        "pwsh is not on PATH: PowerShell quoting is checked against the expected strings only");
    String[] words = line.split(" ");
    words[0] = "pwsh";
    return words;
  }

  private static String decode(String line) {
    String encoded = line.substring(line.lastIndexOf(' ') + 1);
    return new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_16LE);
  }
}
