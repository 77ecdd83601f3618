package dev.slipway.common.platform;

import java.util.regex.Pattern;

/** What an SSH host key given through the API must look like: one OpenSSH public key line. */
public final class OpenSshKeys {

  private static final Pattern PUBLIC_KEY_LINE =
      Pattern.compile("[a-z0-9@.-]+ [A-Za-z0-9+/=]+( [^\\n\\r]*)?");

  private OpenSshKeys() {}

  /** Whether {@code text} (stripped) is one line {@code <type> <base64> [comment]}. */
  public static boolean isPublicKeyLine(String text) {
    return text != null && PUBLIC_KEY_LINE.matcher(text.strip()).matches();
  }
}
