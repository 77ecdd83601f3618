package dev.slipway.worker.ssh;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Markers that frame what Slipway reads from a POSIX exec channel. A login shell may print before
 * the command runs (a {@code ~/.bashrc} that echoes a banner: sshd runs every command through the
 * user's shell), so nothing Slipway parses trusts the first bytes: each call prints a random token
 * of its own on stdout and stderr before its command, and everything before it is dropped. Where
 * the whole output is parsed, the token is printed again at the end, so a truncated answer is never
 * taken for a complete one.
 */
final class Framing {

  /** The most bytes kept while waiting for the opening token (a banner longer than that is cut). */
  static final int MAX_BEFORE = 64 * 1024;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final String token;
  private final byte[] opening;
  private final byte[] closing;

  private Framing(String token) {
    this.token = token;
    this.opening = (token + "\n").getBytes(StandardCharsets.US_ASCII);
    this.closing = ("\n" + token + "\n").getBytes(StandardCharsets.US_ASCII);
  }

  /** A new random token, for one call. */
  static Framing random() {
    return new Framing(randomToken());
  }

  /** {@code slipway-} and 24 random hex digits: a token nobody can guess. */
  static String randomToken() {
    byte[] bytes = new byte[12];
    RANDOM.nextBytes(bytes);
    return "slipway-" + HexFormat.of().formatHex(bytes);
  }

  /**
   * {@code command} (a POSIX command line) printing the token on both streams first: what it writes
   * itself comes after the token.
   */
  String open(String command) {
    return "printf '%s\\n' " + token + "; printf '%s\\n' " + token + " >&2\n" + command;
  }

  /**
   * {@code command} between the token on both streams, its exit status kept: what it writes is
   * between an opening and a closing token.
   */
  String enclose(String command) {
    return open(command)
        + "\ns=$?; printf '\\n%s\\n' "
        + token
        + "; printf '\\n%s\\n' "
        + token
        + " >&2; exit $s";
  }

  /** Passes on what {@code next} should get of a stream: what follows the opening token. */
  AfterOpening after(OutputStream next) {
    return new AfterOpening(
        next,
        all -> {
          int at = indexOf(all, opening);
          return at < 0 ? null : new Opening(at, at + opening.length);
        },
        opening.length);
  }

  /** Where an opening was found in what a stream wrote so far: {@code [start, end)}. */
  record Opening(int start, int end) {}

  /** Finds an opening in what a stream wrote so far. */
  interface OpeningFinder {
    /** The first opening in {@code written}, or null while there is none. */
    Opening find(byte[] written);
  }

  /** What a stream captured by {@link #after} holds between the tokens, or null if it is cut. */
  byte[] inside(ByteArrayOutputStream captured) {
    byte[] all = captured.toByteArray();
    if (all.length < closing.length) {
      return null;
    }
    for (int i = 0; i < closing.length; i++) {
      if (all[all.length - closing.length + i] != closing[i]) {
        return null;
      }
    }
    byte[] content = new byte[all.length - closing.length];
    System.arraycopy(all, 0, content, 0, content.length);
    return content;
  }

  /** An input stream of what follows the opening token in {@code in}. */
  InputStream after(InputStream in) {
    return new InputStream() {
      private boolean open;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n <= 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (!open) {
          skipToOpening();
        }
        return in.read(b, off, len);
      }

      private void skipToOpening() throws IOException {
        int matched = 0;
        while (matched < opening.length) {
          int c = in.read();
          if (c < 0) {
            throw new IOException("the host's answer ended before Slipway's marker");
          }
          if (c == (opening[matched] & 0xff)) {
            matched++;
          } else {
            matched = c == (opening[0] & 0xff) ? 1 : 0;
          }
        }
        open = true;
      }

      @Override
      public void close() throws IOException {
        in.close();
      }
    };
  }

  /**
   * A stream that drops what comes before the opening (a token, or what an {@link OpeningFinder}
   * finds) and passes on what follows. If the opening never comes (the shell failed before the
   * command ran), {@link #finish} passes on the last {@value #MAX_BEFORE} bytes, which then say
   * why.
   */
  static final class AfterOpening extends OutputStream {
    private final OutputStream next;
    private final OpeningFinder finder;
    private final int longestOpening;
    private final ByteArrayOutputStream before = new ByteArrayOutputStream();
    private boolean open;
    private boolean beforeSeen;
    private boolean finished;

    /**
     * @param longestOpening the most bytes an opening can take: that many, less one, are kept when
     *     what came before is cut
     */
    AfterOpening(OutputStream next, OpeningFinder finder, int longestOpening) {
      this.next = next;
      this.finder = finder;
      this.longestOpening = longestOpening;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) throws IOException {
      if (open) {
        next.write(bytes, offset, length);
        return;
      }
      before.write(bytes, offset, length);
      byte[] all = before.toByteArray();
      Opening found = finder.find(all);
      if (found != null) {
        open = true;
        beforeSeen |= found.start() > 0;
        before.reset();
        int from = found.end();
        if (from < all.length) {
          next.write(all, from, all.length - from);
        }
        return;
      }
      if (all.length > MAX_BEFORE) {
        beforeSeen = true;
        before.reset();
        int keep = Math.max(longestOpening - 1, 0);
        before.write(all, all.length - keep, keep);
      }
    }

    /** Whether anything came before the token (a login shell that prints). */
    synchronized boolean printedBefore() {
      return beforeSeen || (!open && before.size() > 0);
    }

    /** Whether the opening token came. */
    synchronized boolean opened() {
      return open;
    }

    /** Ends the stream: without the token, what came is passed on (it says why). */
    synchronized void finish() throws IOException {
      if (finished) {
        return;
      }
      finished = true;
      if (!open && before.size() > 0) {
        next.write(before.toByteArray());
        before.reset();
      }
      next.flush();
    }

    @Override
    public synchronized void flush() throws IOException {
      if (open) {
        next.flush();
      }
    }

    @Override
    public void close() throws IOException {
      finish();
      next.close();
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
