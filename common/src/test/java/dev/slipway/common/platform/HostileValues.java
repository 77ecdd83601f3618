package dev.slipway.common.platform;

import java.util.stream.Stream;

/** Values an attacker could choose for a branch name or an environment value. */
final class HostileValues {

  private HostileValues() {}

  static Stream<String> all() {
    return Stream.of(
        "$(rm -rf ~)",
        "`touch pwned`",
        "'",
        "\"",
        "'; touch pwned; '",
        "'\"'\"'; touch pwned",
        "a\nb",
        ";",
        "&",
        "|",
        "&&",
        "||",
        ">x",
        "<x",
        "*",
        "~",
        "$HOME",
        "${IFS}",
        "\\",
        "\\'",
        "ünïcødé ✓",
        "’; touch pwned; ’",
        "‘‚‛’",
        "",
        "-rf",
        "a b\tc  ",
        "%PATH% ^& touch pwned",
        "`$(touch pwned)` $env:PATH @(1)");
  }

  /** The values that can be a directory name on any POSIX file system. */
  static Stream<String> directoryNames() {
    return all().filter(v -> !v.isEmpty());
  }
}
