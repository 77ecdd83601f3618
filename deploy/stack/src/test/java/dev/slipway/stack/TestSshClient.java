package dev.slipway.stack;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.apache.sshd.core.CoreModuleProperties;

/**
 * An Apache SSHD client for one test host: TCP_NODELAY on, and only that host's key accepted (the
 * key last presented is kept for assertions).
 */
final class TestSshClient implements AutoCloseable {

  static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final TestSshHost host;
  private final SshClient client;
  private final AtomicReference<PublicKey> seenHostKey = new AtomicReference<>();

  private TestSshClient(TestSshHost host) {
    this.host = host;
    this.client = SshClient.setUpDefaultClient();
    CoreModuleProperties.TCP_NODELAY.set(client, true);
    client.setServerKeyVerifier(
        (session, address, key) -> {
          seenHostKey.set(key);
          return PublicKeyEntry.toString(key).equals(host.hostPublicKey());
        });
    client.start();
  }

  static TestSshClient start(TestSshHost host) {
    return new TestSshClient(host);
  }

  /** The host key the server presented last. */
  PublicKey seenHostKey() {
    return seenHostKey.get();
  }

  /** Logs in as the host's user with the key in {@code privateKeyPem}. */
  ClientSession login(String privateKeyPem) throws IOException, GeneralSecurityException {
    KeyPair key =
        SecurityUtils.getKeyPairResourceParser()
            .loadKeyPairs(
                null, NamedResource.ofName("test-key"), FilePasswordProvider.EMPTY, privateKeyPem)
            .iterator()
            .next();
    ClientSession session =
        client.connect(host.user(), host.address(), host.port()).verify(TIMEOUT).getSession();
    try {
      session.addPublicKeyIdentity(key);
      session.auth().verify(TIMEOUT);
      return session;
    } catch (IOException | RuntimeException e) {
      session.close(true);
      throw e;
    }
  }

  /** Runs {@code command} and waits for it to end. */
  static Result exec(ClientSession session, String command) throws IOException {
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    try (ChannelExec channel = session.createExecChannel(command)) {
      channel.setOut(stdout);
      channel.setErr(stderr);
      channel.open().verify(TIMEOUT);
      channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), TIMEOUT);
      return new Result(
          stdout.toString(StandardCharsets.UTF_8),
          stderr.toString(StandardCharsets.UTF_8),
          channel.getExitStatus());
    }
  }

  @Override
  public void close() throws IOException {
    client.stop();
  }

  record Result(String stdout, String stderr, Integer exitStatus) {}
}
