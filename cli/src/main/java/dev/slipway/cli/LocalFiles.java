package dev.slipway.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Text the command line reads from local files and stdin, never more than a bound: a file given by
 * mistake ({@code /dev/zero}, a disk image) is refused with a message instead of filling the heap.
 */
final class LocalFiles {

  private LocalFiles() {}

  /**
   * The text of {@code file}, as UTF-8, if it could hold at most {@code maxChars} characters (the
   * caller checks the exact count, with its own message).
   *
   * @throws IOException when it cannot be read, or is larger than {@code maxChars} characters can
   *     be in UTF-8 (the message says so)
   */
  static String read(Path file, int maxChars) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return read(in, maxChars);
    }
  }

  /** Like {@link #read(Path, int)}, from {@code in}. */
  static String read(InputStream in, int maxChars) throws IOException {
    int maxBytes = 4 * maxChars; // the most UTF-8 takes for a character
    byte[] bytes = in.readNBytes(maxBytes + 1);
    if (bytes.length > maxBytes) {
      throw new IOException("larger than " + maxBytes + " bytes, the most it may hold");
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
