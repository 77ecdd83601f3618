package dev.slipway.common.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Filling ${name} placeholders with quoted values. */
class SubstituteTest {

  private static final Map<String, String> VARIABLES =
      Map.of(
          "commit", "abc123",
          "branch", "x'; touch pwned; '’",
          "repository.uri", "https://example.org/r.git",
          "build.id", "42");

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "LINUX   | git checkout ${commit}      | git checkout 'abc123'",
        "LINUX   | git checkout ${branch}      | git checkout 'x'\"'\"'; touch pwned; '\"'\"'’'",
        "WINDOWS | git checkout ${branch}      | git checkout 'x''; touch pwned; ''’’'",
        "MACOS   | git clone ${repository.uri} | git clone 'https://example.org/r.git'",
        "LINUX   | echo ${build.id}-${commit}  | echo '42'-'abc123'",
        "LINUX   | echo $${HOME} $$ $x $       | echo ${HOME} $$ $x $",
        "WINDOWS | echo $${env:PATH}           | echo ${env:PATH}"
      })
  void replacesPlaceholdersWithQuotedValues(Platform platform, String template, String result) {
    assertEquals(result, platform.shell().substitute(template, VARIABLES));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "echo ${nope}      | ${nope}",
        "echo ${HOME}      | ${HOME}",
        "echo ${commit     | index 5",
        "echo ${}          | index 5",
        "echo ${a:-b}      | index 5"
      })
  void refusesUnknownOrMalformedPlaceholders(String template, String named) {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Platform.LINUX.shell().substitute(template, VARIABLES));
    assertTrue(e.getMessage().contains(named), e.getMessage());
  }

  @org.junit.jupiter.api.Test
  void placeholdersAreListedInOrderOfFirstUseAndLiteralsAreNot() {
    assertEquals(
        java.util.List.of("commit", "vars.x", "build.id"),
        java.util.List.copyOf(
            Shell.placeholders("${commit} $${HOME} ${vars.x} ${commit} ${build.id}")));
    assertThrows(IllegalArgumentException.class, () -> Shell.placeholders("echo ${not a name}"));
  }

  @org.junit.jupiter.api.Test
  void expandingLeavesValuesAsTheyAre() {
    assertEquals("x'; touch pwned; '’-42", Shell.expand("${branch}-${build.id}", VARIABLES));
    assertThrows(IllegalArgumentException.class, () -> Shell.expand("${nope}", VARIABLES));
  }
}
