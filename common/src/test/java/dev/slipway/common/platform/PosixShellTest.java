package dev.slipway.common.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Quoting and scripts for linux and macos, checked by running them with /bin/sh. */
class PosixShellTest {

  private final Shell shell = Platform.LINUX.shell();

  @TempDir Path temp;

  @ParameterizedTest
  @MethodSource("dev.slipway.common.platform.HostileValues#all")
  void quotedValueIsPrintedVerbatimAndRunsNothing(String value) throws Exception {
    Processes.assertPrints(value, temp, "/bin/sh", "-c", "printf %s " + shell.quote(value));
  }

  @ParameterizedTest
  @MethodSource("dev.slipway.common.platform.HostileValues#all")
  void scriptArgumentsArriveVerbatimAndRunNothing(String value) throws Exception {
    String line = PosixShell.callScript("printf '%s|%s' \"$0\" \"$1\"", "name", value);
    Processes.assertPrints("name|" + value, temp, "/bin/sh", "-c", line);
  }

  @ParameterizedTest
  @MethodSource("dev.slipway.common.platform.HostileValues#directoryNames")
  void scriptEntersHostileDirectoryAndExportsHostileValue(String value) throws Exception {
    Path dir = Files.createDirectory(temp.resolve(value)).toRealPath();
    String line =
        shell.script(dir.toString(), Map.of("VALUE", value), "printf '%s|%s' \"$PWD\" \"$VALUE\"");

    var result = Processes.run(temp, "/bin/sh", "-c", line);

    assertEquals(0, result.exitCode());
    assertEquals(dir + "|" + value, result.text());
    Processes.assertNothingCreatedBelow(temp);
  }

  @Test
  void scriptEntersDirectoryWithSpacesAndQuotes() throws Exception {
    Path dir = Files.createDirectory(temp.resolve("it's a \"work\" dir")).toRealPath();

    var result =
        Processes.run(temp, "/bin/sh", "-c", shell.script(dir.toString(), Map.of(), "pwd"));

    assertEquals(dir + "\n", result.text());
  }

  @Test
  void relativeWorkDirStartingWithDashIsADirectoryNotAnOption() throws Exception {
    Path dir = Files.createDirectory(temp.resolve("-")).toRealPath();

    var result = Processes.run(temp, "/bin/sh", "-c", shell.script("-", Map.of(), "pwd"));

    assertEquals(dir + "\n", result.text());
  }

  @Test
  void multiLineCommandRunsEveryLineAndKeepsItsExitStatus() throws Exception {
    String command = "printf one\n# a comment\nprintf ' %s' \"$A\" \"$B\"\nexit 3";

    var result =
        Processes.run(
            temp, "/bin/sh", "-c", shell.script(null, Map.of("A", "two", "B", "a\nb"), command));

    assertEquals(3, result.exitCode());
    assertEquals("one two a\nb", result.text());
  }

  @Test
  void commandDoesNotRunWhenWorkDirIsMissing() throws Exception {
    String line = shell.script(temp.resolve("missing").toString(), Map.of(), "touch pwned");

    var result = Processes.run(temp, "/bin/sh", "-c", line);

    assertNotEquals(0, result.exitCode());
    Processes.assertNothingCreatedBelow(temp);
  }

  @Test
  void scriptIsCdThenExportsThenOneQuotedCommand() {
    assertEquals(
        "cd '/w s' && export A='1' B='it'\"'\"'s' && exec /bin/sh -c -- 'make\ntest'",
        shell.script("/w s", Map.of("B", "it's", "A", "1"), "make\ntest"));
    assertEquals("exec /bin/sh -c -- 'make'", shell.script(null, Map.of(), "make"));
  }
}
