package dev.slipway.worker.ssh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What Slipway keeps of an exec channel's stream: what follows its token, whatever came before. */
class FramingTest {

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** The token of {@code framing}, read from the command line it makes. */
  private static String token(Framing framing) {
    String line = framing.open("true");
    return line.substring("printf '%s\\n' ".length(), line.indexOf(';'));
  }

  @Test
  void whatComesBeforeTheTokenIsDroppedEvenWhenTheTokenArrivesInPieces() throws Exception {
    Framing framing = Framing.random();
    String token = token(framing);
    ByteArrayOutputStream kept = new ByteArrayOutputStream();
    Framing.AfterOpening out = framing.after(kept);
    byte[] all = bytes("Welcome!\n" + token + "\nthe output\n");
    for (byte b : all) {
      out.write(new byte[] {b}, 0, 1); // one byte at a time: the token is never whole in a write
    }
    out.finish();
    assertEquals("the output\n", kept.toString(StandardCharsets.UTF_8));
    assertTrue(out.printedBefore());
    assertTrue(out.opened());
  }

  @Test
  void withoutABannerNothingIsDroppedAndNothingCountsAsPrinted() throws Exception {
    Framing framing = Framing.random();
    ByteArrayOutputStream kept = new ByteArrayOutputStream();
    Framing.AfterOpening out = framing.after(kept);
    out.write(bytes(token(framing) + "\nx"));
    out.finish();
    assertEquals("x", kept.toString(StandardCharsets.UTF_8));
    assertFalse(out.printedBefore());
  }

  @Test
  void aStreamThatNeverShowsTheTokenIsPassedOnAtItsEndToSayWhy() throws Exception {
    Framing framing = Framing.random();
    ByteArrayOutputStream kept = new ByteArrayOutputStream();
    Framing.AfterOpening out = framing.after(kept);
    out.write(bytes("sh: 1: syntax error\n"));
    assertEquals("", kept.toString(StandardCharsets.UTF_8));
    out.finish();
    assertEquals("sh: 1: syntax error\n", kept.toString(StandardCharsets.UTF_8));
    assertFalse(out.opened());
  }

  @Test
  void anAnswerIsWholeOnlyWithItsClosingToken() throws Exception {
    Framing framing = Framing.random();
    String token = token(framing);
    ByteArrayOutputStream kept = new ByteArrayOutputStream();
    Framing.AfterOpening out = framing.after(kept);
    out.write(bytes("banner\n" + token + "\n/home/ci\n" + token + "\n"));
    assertArrayEquals(bytes("/home/ci"), framing.inside(kept));

    ByteArrayOutputStream cut = new ByteArrayOutputStream();
    framing.after(cut).write(bytes(token + "\n/home/c"));
    assertNull(framing.inside(cut));
  }

  @Test
  void anInputStreamStartsAfterTheToken() throws Exception {
    Framing framing = Framing.random();
    byte[] content = bytes("bash: warning\n" + token(framing) + "\n\u0000binary\n");
    assertArrayEquals(
        bytes("\u0000binary\n"), framing.after(new ByteArrayInputStream(content)).readAllBytes());
  }

  @Test
  void everyCallHasATokenOfItsOwn() {
    assertFalse(token(Framing.random()).equals(token(Framing.random())));
  }
}
