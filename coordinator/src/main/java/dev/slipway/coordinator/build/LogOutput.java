package dev.slipway.coordinator.build;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The bytes of a log as they are written, of which the first {@code offset} are left out: a reader
 * that has seen N bytes asks for the rest from offset N.
 */
final class LogOutput {

  private final OutputStream out;
  private long skip;
  private byte last = '\n';

  LogOutput(OutputStream out, long offset) {
    this.out = out;
    this.skip = offset;
  }

  void text(String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (bytes.length == 0) {
      return;
    }
    last = bytes[bytes.length - 1];
    if (skip >= bytes.length) {
      skip -= bytes.length;
      return;
    }
    out.write(bytes, (int) skip, bytes.length - (int) skip);
    skip = 0;
  }

  /** Ends the line written last, unless it has ended. */
  void endLine() throws IOException {
    if (last != '\n') {
      text("\n");
    }
  }

  void flush() throws IOException {
    out.flush();
  }
}
