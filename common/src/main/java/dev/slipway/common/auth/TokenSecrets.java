package dev.slipway.common.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The secret of a Slipway API token: {@code slw_} followed by 256 random bits in base64url (43
 * characters). The prefix lets secret scanners find a leaked one. Made here for the coordinator,
 * the local launcher and tests alike.
 */
public final class TokenSecrets {

  public static final String PREFIX = "slw_";
  private static final Pattern SECRET = Pattern.compile("slw_[A-Za-z0-9_-]{43}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private TokenSecrets() {}

  /** A new random secret. */
  public static String newSecret() {
    byte[] bits = new byte[32];
    RANDOM.nextBytes(bits);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
  }

  /** Whether {@code text} has the shape of a secret. */
  public static boolean isSecret(String text) {
    return text != null && SECRET.matcher(text).matches();
  }

  /**
   * What the database keeps of a secret ({@code api_tokens.secret_hash}): its SHA-256 in hex. A
   * secret of 256 random bits needs no slow hash, since it cannot be guessed.
   */
  public static String hash(String secret) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
