package dev.slipway.worker.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Reading the pid a Windows command prints first out of its standard output. */
class PidMarkerTest {

  private static final String TOKEN = "slipway-00112233445566778899aabb";

  private final PidMarker marker = new PidMarker(TOKEN);
  private final ByteArrayOutputStream passed = new ByteArrayOutputStream();
  private final Framing.AfterOpening out = marker.after(passed);

  @Test
  void thePidIsTakenAndTheMarkerLineIsNotOutput() throws IOException {
    write(TOKEN + " 4242 " + TOKEN + "\r\nbuilding\r\n");
    out.finish();

    assertEquals(4242, marker.pid());
    assertEquals("building\r\n", text());
  }

  @Test
  void aMarkerSplitAcrossWritesIsFound() throws IOException {
    String all = "banner\n" + TOKEN + " 31337 " + TOKEN + "\nline 1\nline 2\n";
    for (byte b : all.getBytes(StandardCharsets.US_ASCII)) {
      out.write(b);
      if (marker.pid() == 0) {
        assertEquals("", text(), "nothing passes before the marker");
      }
    }
    out.finish();

    assertEquals(31337, marker.pid());
    assertEquals("line 1\nline 2\n", text());
  }

  @Test
  void aMarkerCutBeforeItsLineEndIsNotTakenYet() throws IOException {
    write(TOKEN + " 12 " + TOKEN);
    assertEquals(0, marker.pid(), "12 may be the start of 123");
    write("\n");
    assertEquals(12, marker.pid());
  }

  @Test
  void fakeMarkersAreIgnored() throws IOException {
    String otherToken = "slipway-ffffffffffffffffffffffff";
    // before: a banner faking a marker with a token of its own, and one with no digits
    write(otherToken + " 666 " + otherToken + "\n" + TOKEN + " x " + TOKEN + "\n");
    write(TOKEN + " 4242 " + TOKEN + "\n");
    // after: the command's own output, even with the right token, is output
    String own = TOKEN + " 1 " + TOKEN + "\n" + otherToken + " 2 " + otherToken + "\n";
    write(own);
    out.finish();

    assertEquals(4242, marker.pid());
    assertEquals(own, text());
  }

  @Test
  void aPidThatNoWindowsProcessHasIsNotTaken() throws IOException {
    write(TOKEN + " 0 " + TOKEN + "\n" + TOKEN + " 4294967296 " + TOKEN + "\n");
    assertEquals(0, marker.pid());
    write(TOKEN + " 4294967295 " + TOKEN + "\n");
    assertEquals(4294967295L, marker.pid());
  }

  @Test
  void withoutAMarkerWhatCameIsPassedOnAtTheEnd() throws Exception {
    String said = "'powershell' is not recognized as an internal or external command\r\n";
    write(said);
    assertEquals("", text());
    out.finish();

    assertEquals(0, marker.pid());
    assertEquals(0, marker.awaitPid(Duration.ofMillis(10)));
    assertEquals(said, text());
  }

  @Test
  void awaitPidReturnsOnceTheMarkerCame() throws Exception {
    Thread writer =
        new Thread(
            () -> {
              try {
                Thread.sleep(100);
                write(TOKEN + " 77 " + TOKEN + "\n");
              } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    writer.start();
    long started = System.nanoTime();
    assertEquals(77, marker.awaitPid(Duration.ofSeconds(30)));
    assertTrue(System.nanoTime() - started < Duration.ofSeconds(20).toNanos());
    writer.join();
  }

  @Test
  void eachMarkerHasATokenOfItsOwn() {
    String a = PidMarker.random().token();
    String b = PidMarker.random().token();
    assertTrue(a.matches("slipway-[0-9a-f]{24}"), a);
    assertTrue(!a.equals(b), a);
  }

  private void write(String s) throws IOException {
    byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
    out.write(bytes, 0, bytes.length);
  }

  private String text() {
    return passed.toString(StandardCharsets.US_ASCII);
  }
}
