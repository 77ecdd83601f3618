package dev.slipway.common.text;

/**
 * Control characters (C0, DEL and C1: {@link Character#isISOControl}) in text that came from
 * outside: no id, name or query value Slipway takes has one, PostgreSQL cannot store a NUL, and
 * printed raw to a terminal or a log an ESC sequence can rewrite what is shown.
 */
public final class ControlCharacters {

  private ControlCharacters() {}

  /** Whether {@code text} (null: no) holds a control character. */
  public static boolean any(String text) {
    return text != null && text.chars().anyMatch(Character::isISOControl);
  }

  /**
   * {@code text} with each control character written as a visible {@code \xNN} ({@code \x1b} for
   * ESC, {@code \x00} for NUL); null stays null. Everything else, backslashes included, is kept.
   */
  public static String escape(String text) {
    if (!any(text)) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length() + 8);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isISOControl(c)) {
        out.append(String.format("\\x%02x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
