package dev.slipway.platform.secrets;

import jakarta.enterprise.context.ApplicationScoped;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Encrypts secrets at rest with AES-256-GCM under the master key {@code slipway.secrets.master-key}
 * (base64 of 32 bytes). Output: 12-byte nonce followed by ciphertext and tag.
 */
@ApplicationScoped
public class SecretBox {

  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;

  private final SecretKey key;
  private final SecureRandom random = new SecureRandom();

  SecretBox(@ConfigProperty(name = "slipway.secrets.master-key") String masterKey) {
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(masterKey.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("slipway.secrets.master-key is not base64", e);
    }
    if (raw.length != 32) {
      throw new IllegalStateException(
          "slipway.secrets.master-key must be 32 bytes (base64), got " + raw.length);
    }
    this.key = new SecretKeySpec(raw, "AES");
  }

  public byte[] seal(byte[] plaintext) {
    try {
      byte[] nonce = new byte[NONCE_BYTES];
      random.nextBytes(nonce);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      byte[] sealed = cipher.doFinal(plaintext);
      return ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot encrypt secret", e);
    }
  }

  public byte[] open(byte[] box) {
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, box, 0, NONCE_BYTES));
      return cipher.doFinal(box, NONCE_BYTES, box.length - NONCE_BYTES);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(
          "cannot decrypt secret: wrong slipway.secrets.master-key or corrupted data", e);
    }
  }
}
