package dev.slipway.stack;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.Collection;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyEncryptionContext;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.util.security.SecurityUtils;

/** ed25519 key pairs as OpenSSH private key text and authorized_keys lines. */
public final class SshKeys {

  private SshKeys() {}

  /** A fresh ed25519 key pair. */
  public static KeyPair generate() {
    try {
      return KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate an ed25519 key (is eddsa missing?)", e);
    }
  }

  /** The key pair as unencrypted OpenSSH private key text. */
  public static String toPem(KeyPair keyPair, String comment) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(keyPair, comment, null, out);
      return out.toString(StandardCharsets.US_ASCII);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot write an OpenSSH private key", e);
    }
  }

  /** The key pair as OpenSSH private key text encrypted with {@code passphrase} (AES-256-CTR). */
  static String toPem(KeyPair keyPair, String comment, String passphrase) {
    try {
      OpenSSHKeyEncryptionContext encryption = new OpenSSHKeyEncryptionContext();
      encryption.setPassword(passphrase);
      encryption.setCipherName("AES");
      encryption.setCipherMode("CTR");
      encryption.setCipherType("256");
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(keyPair, comment, encryption, out);
      return out.toString(StandardCharsets.US_ASCII);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot write an OpenSSH private key", e);
    }
  }

  /** Reads OpenSSH (or PEM) private key text holding one unencrypted key pair. */
  static KeyPair fromPem(String name, String pem) throws IOException {
    try {
      Collection<KeyPair> pairs =
          SecurityUtils.getKeyPairResourceParser()
              .loadKeyPairs(null, NamedResource.ofName(name), FilePasswordProvider.EMPTY, pem);
      if (pairs == null || pairs.size() != 1) {
        throw new IOException(name + " holds no single key pair");
      }
      return pairs.iterator().next();
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot read private key " + name, e);
    }
  }

  /** The key pair in {@code file}, created (mode 600) with a new key if the file is missing. */
  static KeyPair loadOrCreate(Path file, String comment) throws IOException {
    if (Files.exists(file)) {
      return fromPem(file.toString(), Files.readString(file, StandardCharsets.US_ASCII));
    }
    KeyPair keyPair = generate();
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, toPem(keyPair, comment), StandardCharsets.US_ASCII);
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException notPosix) {
      // a non-POSIX file system keeps its default permissions
    }
    return keyPair;
  }

  /** The public key as an authorized_keys line without comment, e.g. {@code ssh-ed25519 AAAA…}. */
  public static String publicKeyLine(PublicKey key) {
    return PublicKeyEntry.toString(key);
  }
}
