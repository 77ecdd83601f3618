package dev.slipway.stack;

import java.io.IOException;
import java.security.KeyPair;

/**
 * An SSH server on 127.0.0.1 for tests: it authorizes one client key pair of its own for {@link
 * #user()}, the OS user running this JVM, and presents one host key. Tests can run against any
 * implementation the same way.
 */
public interface TestSshHost extends AutoCloseable {

  /** The port the server listens on. */
  int port();

  /** The address the server listens on: {@code 127.0.0.1}. */
  default String address() {
    return "127.0.0.1";
  }

  /** The only user that may log in: the OS user running this JVM. */
  default String user() {
    return System.getProperty("user.name");
  }

  /** The authorized client key pair. */
  KeyPair clientKeyPair();

  /** The authorized client key as unencrypted OpenSSH private key text. */
  default String clientPrivateKeyPem() {
    return SshKeys.toPem(clientKeyPair(), "slipway-test");
  }

  /** The authorized client key as OpenSSH private key text protected by {@code passphrase}. */
  default String clientPrivateKeyPem(String passphrase) {
    return SshKeys.toPem(clientKeyPair(), "slipway-test", passphrase);
  }

  /** The authorized client key's public half as an authorized_keys line. */
  default String clientPublicKey() {
    return SshKeys.publicKeyLine(clientKeyPair().getPublic());
  }

  /** The server's host key as a known_hosts/authorized_keys key, e.g. {@code ssh-ed25519 AAAA…}. */
  String hostPublicKey();

  /** Stops the server. */
  @Override
  void close() throws IOException;
}
