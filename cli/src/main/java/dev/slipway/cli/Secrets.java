package dev.slipway.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Files that hold a token: read them, refuse what is not a token, and warn (as ssh does) when
 * others may read them. Messages name the file, never its content.
 */
final class Secrets {

  /** Owner read and write only: what the files holding a token are created with. */
  static final Set<PosixFilePermission> OWNER_ONLY =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

  private static final Set<PosixFilePermission> OTHERS =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);

  /**
   * The most a token file may hold: an API token is 47 characters, an identity provider's JWT a few
   * kilobytes.
   */
  static final int TOKEN_FILE_CHARS = 64 * 1024;

  private Secrets() {}

  /**
   * The token in {@code file} (surrounding whitespace dropped).
   *
   * @param what how to name the file in a message, e.g. {@code --token-file}
   * @throws IllegalArgumentException when the file cannot be read or holds no token
   */
  static String readTokenFile(Path file, String what, Consumer<String> warn) {
    String text;
    try {
      text = LocalFiles.read(file, TOKEN_FILE_CHARS);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          what
              + ": cannot read "
              + file
              + (e instanceof NoSuchFileException ? ": no such file" : ": " + ApiClient.reason(e)));
    }
    warnIfOpen(file, warn);
    return token(text, what + " " + file);
  }

  /**
   * A token as given: surrounding whitespace dropped; empty, or with whitespace or control
   * characters inside, it is refused (it could not go into a header).
   */
  static String token(String text, String where) {
    String token = text == null ? "" : text.strip();
    if (token.isEmpty()) {
      throw new IllegalArgumentException(where + " holds no token");
    }
    if (token.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
      throw new IllegalArgumentException(where + " does not hold one token (one line, no spaces)");
    }
    return token;
  }

  /**
   * Warns when group or others have any access to {@code file}; silent where modes do not exist.
   */
  static void warnIfOpen(Path file, Consumer<String> warn) {
    Set<PosixFilePermission> mode;
    try {
      mode = Files.getPosixFilePermissions(file);
    } catch (UnsupportedOperationException | IOException e) {
      return;
    }
    if (mode.stream().anyMatch(OTHERS::contains)) {
      warn.accept(
          "slipway: warning: "
              + file
              + " holds a token but others may read it (mode "
              + PosixFilePermissions.toString(mode)
              + "); chmod 600 "
              + file);
    }
  }
}
