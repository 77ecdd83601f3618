package dev.slipway.worker.ssh;

import java.io.IOException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.PublicKeyEntry;

/**
 * Reads the host key a server presents, without logging in ({@code ssh-keyscan}): how the key of a
 * new dynamic host is learnt when its provider cannot tell it and the operator allowed trusting the
 * first key. Uses a client of its own, so no other connection ever accepts an unknown key.
 */
public final class HostKeyScan {

  private HostKeyScan() {}

  /**
   * The OpenSSH public key line of the host key {@code address}:{@code port} presents.
   *
   * @throws SshFailure when the server cannot be reached or presents no key within {@code timeout}
   */
  public static String scan(String address, int port, Duration timeout) throws SshFailure {
    AtomicReference<String> presented = new AtomicReference<>();
    try (SshClient client = SshClient.setUpDefaultClient()) {
      client.setServerKeyVerifier(
          (session, remote, key) -> {
            presented.set(PublicKeyEntry.toString(key));
            return true;
          });
      client.start();
      try (ClientSession session =
          client.connect("slipway-key-scan", address, port).verify(timeout).getSession()) {
        session.waitFor(
            EnumSet.of(
                ClientSession.ClientSessionEvent.WAIT_AUTH,
                ClientSession.ClientSessionEvent.CLOSED),
            timeout);
      }
    } catch (IOException e) {
      throw new SshFailure(
          SshFailure.Kind.UNREACHABLE, address + ":" + port + " (reading its host key)", e);
    }
    if (presented.get() == null) {
      throw new SshFailure(
          SshFailure.Kind.UNREACHABLE, address + ":" + port + " presented no host key", null);
    }
    return presented.get();
  }
}
