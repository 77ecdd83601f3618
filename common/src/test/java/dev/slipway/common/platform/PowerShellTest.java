package dev.slipway.common.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
