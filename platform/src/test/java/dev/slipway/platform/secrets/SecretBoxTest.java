package dev.slipway.platform.secrets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class SecretBoxTest {

  private static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);
  private static final String OTHER_KEY =
      Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes());

  @Test
  void sealedSecretOpensToTheSameBytesAndDoesNotContainThem() {
    SecretBox box = new SecretBox(KEY);
    byte[] secret = "-----BEGIN OPENSSH PRIVATE KEY-----".getBytes(StandardCharsets.UTF_8);
    byte[] sealed = box.seal(secret);
    assertFalse(new String(sealed, StandardCharsets.ISO_8859_1).contains("OPENSSH"));
    assertArrayEquals(secret, box.open(sealed));
  }

  @Test
  void sealingTwiceGivesDifferentCiphertexts() {
    SecretBox box = new SecretBox(KEY);
    byte[] secret = "same".getBytes(StandardCharsets.UTF_8);
    assertFalse(java.util.Arrays.equals(box.seal(secret), box.seal(secret)));
  }

  @Test
  void wrongKeyOrTamperingIsDetected() {
    byte[] sealed = new SecretBox(KEY).seal("secret".getBytes(StandardCharsets.UTF_8));
    assertThrows(IllegalStateException.class, () -> new SecretBox(OTHER_KEY).open(sealed));
    sealed[sealed.length - 1] ^= 1;
    assertThrows(IllegalStateException.class, () -> new SecretBox(KEY).open(sealed));
  }

  @Test
  void refusesAMasterKeyOfTheWrongSize() {
    String shortKey = Base64.getEncoder().encodeToString(new byte[16]);
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> new SecretBox(shortKey));
    assertTrue(e.getMessage().contains("32 bytes"));
    assertThrows(IllegalStateException.class, () -> new SecretBox("not base64!"));
  }

  @Test
  void aRotatedKeyStillOpensWhatTheOldOneSealedUntilItIsResealed() {
    byte[] secret = "deploy key".getBytes(StandardCharsets.UTF_8);
    byte[] sealedWithOld = new SecretBox(KEY).seal(secret);
    SecretBox rotated = new SecretBox(OTHER_KEY, java.util.Optional.of(java.util.List.of(KEY)));
    assertArrayEquals(secret, rotated.open(sealedWithOld));
    assertFalse(rotated.isCurrent(sealedWithOld));
    byte[] resealed = rotated.seal(rotated.open(sealedWithOld));
    assertTrue(rotated.isCurrent(resealed));
    assertArrayEquals(secret, new SecretBox(OTHER_KEY).open(resealed));
    assertThrows(IllegalStateException.class, () -> new SecretBox(OTHER_KEY).open(sealedWithOld));
  }

  @Test
  void secretsSealedBeforeKeyIdsStillOpen() throws Exception {
    byte[] secret = "older secret".getBytes(StandardCharsets.UTF_8);
    byte[] nonce = new byte[12];
    new java.security.SecureRandom().nextBytes(nonce);
    javax.crypto.Cipher cipher = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(
        javax.crypto.Cipher.ENCRYPT_MODE,
        new javax.crypto.spec.SecretKeySpec(Base64.getDecoder().decode(KEY), "AES"),
        new javax.crypto.spec.GCMParameterSpec(128, nonce));
    byte[] ciphertext = cipher.doFinal(secret);
    byte[] legacy =
        java.nio.ByteBuffer.allocate(12 + ciphertext.length).put(nonce).put(ciphertext).array();
    SecretBox box = new SecretBox(KEY);
    assertArrayEquals(secret, box.open(legacy));
    assertFalse(box.isCurrent(legacy));
  }
}
