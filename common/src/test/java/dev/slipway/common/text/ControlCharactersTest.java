package dev.slipway.common.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ControlCharactersTest {

  @Test
  void c0DelAndC1AreControlCharactersAndNothingElseIs() {
    assertTrue(ControlCharacters.any("a\0b"));
    assertTrue(ControlCharacters.any("\u001b[31mRED"));
    assertTrue(ControlCharacters.any("x\u007f"));
    assertTrue(ControlCharacters.any("x\u009b31m"));
    assertFalse(ControlCharacters.any("DOMAIN\\user name-ü.€"));
    assertFalse(ControlCharacters.any(null));
  }

  @Test
  void escapedControlCharactersAreVisible() {
    assertEquals(
        "esc\\x1b]0;PWNED\\x07 \\x00 \\x9b \\x7f",
        ControlCharacters.escape("esc\u001b]0;PWNED\u0007 \0 \u009b \u007f"));
    String plain = "plain\\text";
    assertSame(plain, ControlCharacters.escape(plain));
    assertNull(ControlCharacters.escape(null));
  }
}
