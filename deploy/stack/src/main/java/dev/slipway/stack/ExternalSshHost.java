package dev.slipway.stack;

import java.security.KeyPair;

/**
 * An SSH server on 127.0.0.1 that this JVM does not run (a script started it, say), as a test
 * client sees it: its port, the client key pair it authorizes and its host key. Closing it does
 * nothing: whoever started the server stops it.
 */
public record ExternalSshHost(int port, KeyPair clientKeyPair, String hostPublicKey)
    implements TestSshHost {

  @Override
  public void close() {}
}
