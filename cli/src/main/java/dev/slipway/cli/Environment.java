package dev.slipway.cli;

import java.io.Console;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * What the command line reads from around it: environment variables, the home directory, the local
 * stack's token file, the terminal and stdin. {@link #system()} is the real one; tests give their
 * own.
 *
 * @param variables the environment variables
 * @param localTokenFile the admin token the local launcher writes ({@code
 *     -Dslipway.local-token-file}, set by {@code cli/slipway}); null when not known
 * @param console the terminal to prompt on, or null when there is none
 * @param stdin standard input, read when there is no terminal
 */
record Environment(
    Map<String, String> variables, Path localTokenFile, Console console, InputStream stdin) {

  static final String LOCAL_TOKEN_FILE_PROPERTY = "slipway.local-token-file";

  /** The name of the local launcher's server file, in its data directory. */
  static final String LOCAL_SERVER_FILE = "server";

  static Environment system() {
    String local = System.getProperty(LOCAL_TOKEN_FILE_PROPERTY);
    return new Environment(
        System.getenv(),
        local == null || local.isBlank() ? null : Path.of(local),
        System.console(),
        System.in);
  }

  /**
   * The file beside {@link #localTokenFile} in which the local launcher writes its coordinator's
   * URL ({@code server}); null when the token file is not known.
   */
  Path localServerFile() {
    return localTokenFile == null ? null : localTokenFile.resolveSibling(LOCAL_SERVER_FILE);
  }

  /** A variable's value, or null when it is not set or blank. */
  String variable(String name) {
    String value = variables.get(name);
    return value == null || value.isBlank() ? null : value;
  }

  /**
   * {@code $XDG_CONFIG_HOME/slipway/config}, else {@code ~/.config/slipway/config} ({@code $HOME},
   * else the JVM's home directory).
   */
  Path configFile() {
    String xdg = variable("XDG_CONFIG_HOME");
    Path base;
    if (xdg != null) {
      base = Path.of(xdg);
    } else {
      String home = variable("HOME");
      base = Path.of(home != null ? home : System.getProperty("user.home"), ".config");
    }
    return base.resolve("slipway").resolve("config");
  }
}
