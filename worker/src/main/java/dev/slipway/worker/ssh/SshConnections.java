package dev.slipway.worker.ssh;

import java.io.IOException;
import java.io.OutputStream;
import java.security.KeyPair;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.SshException;
import org.apache.sshd.core.CoreModuleProperties;
import org.jboss.logging.Logger;

/**
 * The runner's SSH client: one {@link SshClient} for the process, one authenticated session per
 * host shared by concurrent commands on separate channels, host keys pinned. A dead session is
 * dropped and reconnected on the next command.
 */
public final class SshConnections implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(SshConnections.class);
  static final AttributeRepository.AttributeKey<HostConnection> HOST =
      new AttributeRepository.AttributeKey<>();

  private final SshConfig config;
  private final SshClient client;
  private final Map<String, ClientSession> sessions = new ConcurrentHashMap<>();
  private final Map<String, Object> connectLocks = new ConcurrentHashMap<>();

  /**
   * @param hostKeys verifies and pins host keys
   */
  public SshConnections(SshConfig config, PinnedHostKeys hostKeys) {
    this.config = config;
    this.client = SshClient.setUpDefaultClient();
    CoreModuleProperties.TCP_NODELAY.set(client, true);
    client.setServerKeyVerifier(hostKeys);
    client.start();
  }

  /**
   * Runs {@code command} on {@code host}, streaming its output.
   *
   * @param keyPair the client key, loaded by the caller from the host's credential
   */
  public ExecResult exec(
      HostConnection host,
      KeyPair keyPair,
      String command,
      Duration timeout,
      OutputStream stdout,
      OutputStream stderr)
      throws SshFailure {
    ClientSession session = session(host, keyPair);
    ChannelExec channel;
    try {
      channel = session.createExecChannel(command);
      channel.setOut(stdout);
      channel.setErr(stderr);
      channel.open().verify(config.openTimeout());
    } catch (IOException e) {
      drop(host, session);
      throw new SshFailure(SshFailure.Kind.CONNECTION_LOST, host.describe() + ": " + e, e);
    }
    try (channel) {
      Set<ClientChannelEvent> events =
          channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), timeout);
      if (events.contains(ClientChannelEvent.TIMEOUT)) {
        return new ExecResult(null, null, true);
      }
      Integer exit = channel.getExitStatus();
      String signal = channel.getExitSignal();
      if (exit == null && signal == null) {
        drop(host, session);
        throw new SshFailure(
            SshFailure.Kind.CONNECTION_LOST,
            host.describe() + ": the channel closed without an exit status",
            null);
      }
      return new ExecResult(exit, signal, false);
    } catch (IOException e) {
      drop(host, session);
      throw new SshFailure(SshFailure.Kind.CONNECTION_LOST, host.describe() + ": " + e, e);
    }
  }

  private ClientSession session(HostConnection host, KeyPair keyPair) throws SshFailure {
    ClientSession open = sessions.get(host.resourceId());
    if (usable(open)) {
      return open;
    }
    synchronized (connectLocks.computeIfAbsent(host.resourceId(), id -> new Object())) {
      open = sessions.get(host.resourceId());
      if (usable(open)) {
        return open;
      }
      ClientSession session = connect(host, keyPair);
      sessions.put(host.resourceId(), session);
      return session;
    }
  }

  private ClientSession connect(HostConnection host, KeyPair keyPair) throws SshFailure {
    ClientSession session;
    try {
      session =
          client
              .connect(
                  host.user(),
                  host.address(),
                  host.port(),
                  AttributeRepository.ofKeyValuePair(HOST, host))
              .verify(config.connectTimeout())
              .getSession();
    } catch (IOException e) {
      throw new SshFailure(SshFailure.Kind.UNREACHABLE, host.describe() + ": " + e.getMessage(), e);
    }
    try {
      session.addPublicKeyIdentity(keyPair);
      session.auth().verify(config.authTimeout());
      return session;
    } catch (IOException e) {
      closeQuietly(session);
      String mismatch = PinnedHostKeys.mismatchOf(session);
      if (mismatch != null) {
        throw new SshFailure(SshFailure.Kind.HOST_KEY_MISMATCH, mismatch, e);
      }
      if (e instanceof SshException && !session.isOpen() && session.isAuthenticated()) {
        throw new SshFailure(SshFailure.Kind.CONNECTION_LOST, host.describe(), e);
      }
      throw new SshFailure(
          SshFailure.Kind.AUTH_FAILED,
          host.describe()
              + " refused the key of credential "
              + host.credentialId()
              + " ("
              + e.getMessage()
              + ")",
          e);
    }
  }

  private static boolean usable(ClientSession session) {
    return session != null && session.isOpen() && session.isAuthenticated();
  }

  private void drop(HostConnection host, ClientSession session) {
    sessions.remove(host.resourceId(), session);
    closeQuietly(session);
  }

  private static void closeQuietly(ClientSession session) {
    try {
      session.close(true);
    } catch (RuntimeException e) {
      LOG.debug("closing session failed", e);
    }
  }

  @Override
  public void close() throws IOException {
    sessions.values().forEach(SshConnections::closeQuietly);
    client.stop();
  }
}
