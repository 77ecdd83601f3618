package dev.slipway.common.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** What both shells refuse, and how they join paths. */
class ShellArgumentsTest {

  static Stream<Arguments> badParts() {
    return Stream.of(
        Arguments.of(Platform.LINUX, ""),
        Arguments.of(Platform.LINUX, "."),
        Arguments.of(Platform.LINUX, ".."),
        Arguments.of(Platform.LINUX, "a/b"),
        Arguments.of(Platform.LINUX, "/etc"),
        Arguments.of(Platform.MACOS, "../x"),
        Arguments.of(Platform.LINUX, "a\0b"),
        Arguments.of(Platform.WINDOWS, ""),
        Arguments.of(Platform.WINDOWS, "."),
        Arguments.of(Platform.WINDOWS, ".."),
        Arguments.of(Platform.WINDOWS, "a\\b"),
        Arguments.of(Platform.WINDOWS, "a/b"),
        Arguments.of(Platform.WINDOWS, "C:"),
        Arguments.of(Platform.WINDOWS, "file:stream"),
        Arguments.of(Platform.WINDOWS, ".. "),
        Arguments.of(Platform.WINDOWS, "..."),
        Arguments.of(Platform.WINDOWS, "a\0b"));
  }

  @ParameterizedTest
  @MethodSource("badParts")
  void joinPathRefusesPartsThatLeaveTheDirectory(Platform platform, String part) {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> platform.shell().joinPath("/base", "ok", part));
    assertTrue(e.getMessage().contains("'" + part.replace("\0", "\\0") + "'"), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource({
    "LINUX, /srv/builds, /srv/builds/repo/main",
    "LINUX, /, /repo/main",
    "MACOS, /srv/builds/, /srv/builds/repo/main",
    "WINDOWS, C:\\builds, C:\\builds\\repo\\main",
    "WINDOWS, C:\\, C:\\repo\\main",
    "WINDOWS, C:/builds/, C:/builds/repo\\main"
  })
  void joinPathUsesThePlatformSeparator(Platform platform, String dir, String joined) {
    assertEquals(joined, platform.shell().joinPath(dir, "repo", "main"));
  }

  @ParameterizedTest
  @EnumSource(Platform.class)
  void nulCannotBeQuotedOrUsedAnywhere(Platform platform) {
    Shell shell = platform.shell();
    assertThrows(IllegalArgumentException.class, () -> shell.quote("a\0b"));
    assertThrows(IllegalArgumentException.class, () -> shell.joinPath("/a\0", "b"));
    assertThrows(IllegalArgumentException.class, () -> shell.script("/a\0", Map.of(), "x"));
    assertThrows(IllegalArgumentException.class, () -> shell.script(null, Map.of("A", "\0"), "x"));
  }

  @ParameterizedTest
  @CsvSource({
    "LINUX, 1A",
    "LINUX, A-B",
    "LINUX, A B",
    "MACOS, $(x)",
    "WINDOWS, A;B",
    "WINDOWS, ''"
  })
  void scriptRefusesBadEnvironmentNames(Platform platform, String name) {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> platform.shell().script(null, Map.of(name, "v"), "true"));
    assertTrue(e.getMessage().contains("'" + name + "'"), e.getMessage());
  }

  @ParameterizedTest
  @EnumSource(Platform.class)
  void scriptRefusesEmptyWorkDir(Platform platform) {
    assertThrows(
        IllegalArgumentException.class, () -> platform.shell().script("", Map.of(), "true"));
  }
}
