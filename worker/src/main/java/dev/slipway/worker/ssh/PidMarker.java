package dev.slipway.worker.ssh;

import dev.slipway.common.platform.PowerShell;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The process id a command on a Windows host prints before it runs ({@link
 * PowerShell#scriptPrintingPid}): the line {@code <token> <pid> <token>} on standard output, the
 * token random for each command ({@link Framing#randomToken}). {@link #after} reads it from the
 * stream and takes it out: what the host printed before it is dropped (as {@link Framing} drops a
 * login shell's banner), what follows is the command's output and passes on untouched, even where
 * it looks like the marker. Only the first marker counts: the command runs after it, and cannot
 * replace it.
 */
final class PidMarker {

  /** The digits of a pid: a Windows process id is at most 2^32-1, ten digits. */
  private static final int MAX_DIGITS = 10;

  private final String token;
  private final Pattern line;
  private final CountDownLatch found = new CountDownLatch(1);
  private volatile long pid;

  PidMarker(String token) {
    this.token = token;
    this.line =
        Pattern.compile(
            Pattern.quote(token)
                + " ([0-9]{1,"
                + MAX_DIGITS
                + "}) "
                + Pattern.quote(token)
                + "\r?\n");
  }

  /** A marker with a new random token, for one command. */
  static PidMarker random() {
    return new PidMarker(Framing.randomToken());
  }

  /** The token to hand to {@link PowerShell#scriptPrintingPid}. */
  String token() {
    return token;
  }

  /**
   * A stream of the command's standard output for {@code next}: the marker line and what came
   * before it taken out, the pid kept. If the marker never comes, {@link
   * Framing.AfterOpening#finish} passes on what came (it says why the command did not run).
   */
  Framing.AfterOpening after(OutputStream next) {
    int longest = 2 * token.length() + MAX_DIGITS + 4;
    return new Framing.AfterOpening(next, this::find, longest);
  }

  /** The process id, or 0 while the marker has not come. */
  long pid() {
    return pid;
  }

  /** The process id once the marker has come, waiting at most {@code atMost}; 0 if it did not. */
  long awaitPid(Duration atMost) throws InterruptedException {
    found.await(atMost.toMillis(), TimeUnit.MILLISECONDS);
    return pid;
  }

  private Framing.Opening find(byte[] written) {
    // one char per byte: indexes are byte offsets, and the marker is ASCII
    Matcher m = line.matcher(new String(written, StandardCharsets.ISO_8859_1));
    while (m.find()) {
      long value = Long.parseLong(m.group(1));
      if (value > 0 && value <= 0xFFFF_FFFFL) {
        pid = value;
        found.countDown();
        return new Framing.Opening(m.start(), m.end());
      }
    }
    return null;
  }
}
