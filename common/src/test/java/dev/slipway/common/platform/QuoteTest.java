package dev.slipway.common.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The exact words each shell quotes a value as. */
class QuoteTest {

  static Stream<Arguments> quotedForms() {
    return Stream.of(
        Arguments.of(Platform.LINUX, "", "''"),
        Arguments.of(Platform.LINUX, "plain", "'plain'"),
        Arguments.of(Platform.LINUX, "'", "''\"'\"''"),
        Arguments.of(Platform.MACOS, "it's", "'it'\"'\"'s'"),
        Arguments.of(Platform.LINUX, "$(rm -rf ~)", "'$(rm -rf ~)'"),
        Arguments.of(Platform.LINUX, "’", "'’'"),
        Arguments.of(Platform.WINDOWS, "$(rm -rf ~)", "'$(rm -rf ~)'"),
        Arguments.of(Platform.WINDOWS, "`touch pwned`", "'`touch pwned`'"),
        Arguments.of(Platform.WINDOWS, "'", "''''"),
        Arguments.of(Platform.WINDOWS, "\"", "'\"'"),
        Arguments.of(Platform.WINDOWS, "'; touch pwned; '", "'''; touch pwned; '''"),
        Arguments.of(Platform.WINDOWS, "a\nb", "'a\nb'"),
        Arguments.of(Platform.WINDOWS, ";", "';'"),
        Arguments.of(Platform.WINDOWS, "&& || | & >x <x", "'&& || | & >x <x'"),
        Arguments.of(Platform.WINDOWS, "* ~ $HOME ${IFS}", "'* ~ $HOME ${IFS}'"),
        Arguments.of(Platform.WINDOWS, "\\", "'\\'"),
        Arguments.of(Platform.WINDOWS, "ünïcødé ✓", "'ünïcødé ✓'"),
        Arguments.of(Platform.WINDOWS, "’; touch pwned; ’", "'’’; touch pwned; ’’'"),
        Arguments.of(Platform.WINDOWS, "‘‚‛’", "'‘‘‚‚‛‛’’'"),
        Arguments.of(Platform.WINDOWS, "“double”", "'“double”'"),
        Arguments.of(Platform.WINDOWS, "", "''"),
        Arguments.of(Platform.WINDOWS, "-rf", "'-rf'"),
        Arguments.of(Platform.WINDOWS, "a b\tc", "'a b\tc'"),
        Arguments.of(Platform.WINDOWS, "%PATH% ^& $env:PATH @(1)", "'%PATH% ^& $env:PATH @(1)'"));
  }

  @ParameterizedTest
  @MethodSource("quotedForms")
  void quotesAsOneLiteralWord(Platform platform, String value, String quoted) {
    assertEquals(quoted, platform.shell().quote(value));
  }
}
