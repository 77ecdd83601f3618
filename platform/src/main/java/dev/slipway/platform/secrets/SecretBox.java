package dev.slipway.platform.secrets;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Encrypts secrets at rest with AES-256-GCM under the master key {@code slipway.secrets.master-key}
 * (base64 of 32 bytes). A sealed secret is {@code 0x01}, the 4-byte id of the key that sealed it
 * (the first bytes of the key's SHA-256), a 12-byte nonce, then ciphertext and tag; so keys can
 * rotate: the new key becomes the master key, the old ones go in {@code
 * slipway.secrets.previous-keys} (comma-separated) until {@link #isCurrent} holds for every stored
 * secret (the coordinator re-seals them at start). Secrets sealed before key ids existed (nonce
 * first) are still opened, by trying each key.
 */
@ApplicationScoped
public class SecretBox {

  private static final byte FORMAT = 1;
  private static final int KEY_ID_BYTES = 4;
  private static final int HEADER_BYTES = 1 + KEY_ID_BYTES;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;

  private record Key(byte[] id, SecretKey secret) {}

  private final Key current;
  private final List<Key> keys = new ArrayList<>();
  private final SecureRandom random = new SecureRandom();

  @Inject
  SecretBox(
      @ConfigProperty(name = "slipway.secrets.master-key") String masterKey,
      @ConfigProperty(name = "slipway.secrets.previous-keys") Optional<List<String>> previous) {
    current = key(masterKey, "slipway.secrets.master-key");
    keys.add(current);
    previous.orElse(List.of()).stream()
        .filter(k -> !k.isBlank())
        .map(k -> key(k, "slipway.secrets.previous-keys"))
        .forEach(keys::add);
  }

  SecretBox(String masterKey) {
    this(masterKey, Optional.empty());
  }

  private static Key key(String base64, String property) {
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(base64.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(property + " is not base64", e);
    }
    if (raw.length != 32) {
      throw new IllegalStateException(property + " must be 32 bytes (base64), got " + raw.length);
    }
    try {
      byte[] id = Arrays.copyOf(MessageDigest.getInstance("SHA-256").digest(raw), KEY_ID_BYTES);
      return new Key(id, new SecretKeySpec(raw, "AES"));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  public byte[] seal(byte[] plaintext) {
    try {
      byte[] nonce = new byte[NONCE_BYTES];
      random.nextBytes(nonce);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, current.secret(), new GCMParameterSpec(TAG_BITS, nonce));
      byte[] sealed = cipher.doFinal(plaintext);
      return ByteBuffer.allocate(HEADER_BYTES + NONCE_BYTES + sealed.length)
          .put(FORMAT)
          .put(current.id())
          .put(nonce)
          .put(sealed)
          .array();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot encrypt secret", e);
    }
  }

  public byte[] open(byte[] box) {
    Key key = keyOf(box);
    if (key != null) {
      byte[] opened = open(key, box, HEADER_BYTES);
      if (opened != null) {
        return opened;
      }
    }
    for (Key any : keys) { // sealed before key ids: nonce first
      byte[] opened = open(any, box, 0);
      if (opened != null) {
        return opened;
      }
    }
    throw new IllegalStateException(
        "cannot decrypt secret: it was sealed with a key that is neither slipway.secrets.master-key"
            + " nor one of slipway.secrets.previous-keys, or it is corrupted");
  }

  /** Whether {@code box} was sealed with the current master key (no re-sealing needed). */
  public boolean isCurrent(byte[] box) {
    return keyOf(box) == current;
  }

  private Key keyOf(byte[] box) {
    if (box.length < HEADER_BYTES + NONCE_BYTES || box[0] != FORMAT) {
      return null;
    }
    byte[] id = Arrays.copyOfRange(box, 1, HEADER_BYTES);
    return keys.stream().filter(k -> Arrays.equals(k.id(), id)).findFirst().orElse(null);
  }

  private static byte[] open(Key key, byte[] box, int offset) {
    if (box.length < offset + NONCE_BYTES) {
      return null;
    }
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(
          Cipher.DECRYPT_MODE,
          key.secret(),
          new GCMParameterSpec(TAG_BITS, box, offset, NONCE_BYTES));
      return cipher.doFinal(box, offset + NONCE_BYTES, box.length - offset - NONCE_BYTES);
    } catch (GeneralSecurityException e) {
      return null;
    }
  }
}
