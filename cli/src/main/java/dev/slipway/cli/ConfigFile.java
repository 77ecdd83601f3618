package dev.slipway.cli;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Properties;
import java.util.Set;

/**
 * {@code ~/.config/slipway/config}: the server and token {@code slipway login} saved, as {@code
 * server=URL} and {@code token=...} lines. Written owner-only (0600, its directory 0700) from the
 * moment it exists.
 */
final class ConfigFile {

  /** What the file holds; either may be null. */
  record Saved(URI server, String token) {
    static final Saved NONE = new Saved(null, null);
  }

  private static final Set<PosixFilePermission> OWNER_DIRECTORY =
      PosixFilePermissions.fromString("rwx------");

  private final Path path;

  ConfigFile(Path path) {
    this.path = path;
  }

  Path path() {
    return path;
  }

  /**
   * What is saved ({@link Saved#NONE} when there is no file).
   *
   * @throws IllegalArgumentException when the file cannot be read or names no http(s) server
   */
  Saved read() {
    Properties p = new Properties();
    try (Reader in = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      p.load(in);
    } catch (NoSuchFileException e) {
      return Saved.NONE;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + path + ": " + ApiClient.reason(e));
    }
    String server = blankToNull(p.getProperty("server"));
    String token = blankToNull(p.getProperty("token"));
    if (token != null) {
      token = Secrets.token(token, path + ": token");
    }
    try {
      return new Saved(server == null ? null : Args.server(server), token);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(path + ": server: " + e.getMessage());
    }
  }

  /** Saves {@code server} and {@code token}, replacing the file (owner-only) in one step. */
  void write(URI server, String token) {
    StringBuilder text = new StringBuilder("# written by 'slipway login'; holds a secret\n");
    text.append("server=").append(escape(server.toString())).append('\n');
    if (token != null) {
      text.append("token=").append(escape(token)).append('\n');
    }
    replace(text.toString());
  }

  /** Forgets the token, keeping the server; false when no token was saved. */
  boolean removeToken() {
    Saved saved = read();
    if (saved.token() == null) {
      return false;
    }
    if (saved.server() == null) {
      try {
        Files.delete(path);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot remove " + path + ": " + ApiClient.reason(e));
      }
    } else {
      write(saved.server(), null);
    }
    return true;
  }

  private void replace(String text) {
    boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    try {
      Path dir = path.toAbsolutePath().getParent();
      Files.createDirectories(dir, posix ? attributes(OWNER_DIRECTORY) : new FileAttribute<?>[0]);
      Path next =
          Files.createTempFile(
              dir,
              ".config",
              ".tmp",
              posix ? attributes(Secrets.OWNER_ONLY) : new FileAttribute<?>[0]);
      try {
        Files.writeString(next, text, StandardCharsets.UTF_8);
        Files.move(next, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(next);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot write " + path + ": " + ApiClient.reason(e));
    }
  }

  private static FileAttribute<?>[] attributes(Set<PosixFilePermission> mode) {
    return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(mode)};
  }

  /** A properties value: backslashes doubled, a leading space kept. */
  private static String escape(String value) {
    String escaped = value.replace("\\", "\\\\");
    return escaped.startsWith(" ") ? "\\" + escaped : escaped;
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }
}
