package dev.slipway.worker.workingcopy;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Passes output on (to a build log, when there is one) and keeps its last few KiB. */
final class OutputTail extends OutputStream {

  private static final int TAIL = 4096;

  private final OutputStream next;
  private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

  OutputTail(OutputStream next) {
    this.next = next;
  }

  @Override
  public synchronized void write(int b) throws java.io.IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public synchronized void write(byte[] bytes, int offset, int length) throws java.io.IOException {
    if (next != null) {
      next.write(bytes, offset, length);
    }
    kept.write(bytes, offset, length);
    if (kept.size() > 2 * TAIL) {
      byte[] all = kept.toByteArray();
      kept.reset();
      kept.write(all, all.length - TAIL, TAIL);
    }
  }

  synchronized String text() {
    return kept.toString(StandardCharsets.UTF_8);
  }

  /** The line before the last one (git's own message, before Slipway's summary line). */
  static String lastLineBefore(String text) {
    String[] lines = text.strip().split("\\R");
    return lines.length < 2 ? "no message from git" : lines[lines.length - 2].strip();
  }

  static String lastLine(String text) {
    String trimmed = text.strip();
    int newline = trimmed.lastIndexOf('\n');
    String last = newline < 0 ? trimmed : trimmed.substring(newline + 1);
    return last.isEmpty() ? "no message" : last;
  }
}
