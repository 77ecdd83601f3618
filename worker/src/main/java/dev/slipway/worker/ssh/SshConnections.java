package dev.slipway.worker.ssh;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.KeyPair;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.SshException;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClientFactory;
import org.jboss.logging.Logger;

/**
 * The runner's SSH client: one {@link SshClient} for the process, one authenticated session per
 * host shared by concurrent commands on separate channels, host keys pinned. A dead session is
 * dropped and reconnected on the next command.
 */
public final class SshConnections implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(SshConnections.class);

  private final SshConfig config;
  private final SshClient client;
  private final Map<String, ClientSession> sessions = new ConcurrentHashMap<>();
  private final Map<String, Object> connectLocks = new ConcurrentHashMap<>();
  private final AtomicLong opened = new AtomicLong();
  private static final AttributeRepository.AttributeKey<SftpClient> SFTP =
      new AttributeRepository.AttributeKey<>();
  private static final AttributeRepository.AttributeKey<String> HOME =
      new AttributeRepository.AttributeKey<>();

  /**
   * @param hostKeys verifies and pins host keys
   */
  public SshConnections(SshConfig config, PinnedHostKeys hostKeys) {
    this.config = config;
    this.client = SshClient.setUpDefaultClient();
    // Hosts are reached only as registered, with their own key: never through the worker user's
    // ~/.ssh/config (aliases, proxies, Match blocks) or with the worker user's own keys.
    client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
    client.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
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
    return exec(host, keyPair, command, null, timeout, stdout, stderr);
  }

  /**
   * As {@link #exec(HostConnection, KeyPair, String, Duration, OutputStream, OutputStream)}, with
   * {@code stdin} (null: none) as the command's standard input, followed by end of file: the way to
   * hand a command a secret without it ever being in a command line or a file before the command
   * decides to write it.
   */
  public ExecResult exec(
      HostConnection host,
      KeyPair keyPair,
      String command,
      byte[] stdin,
      Duration timeout,
      OutputStream stdout,
      OutputStream stderr)
      throws SshFailure {
    ClientSession session = session(host, keyPair);
    ChannelExec channel;
    try {
      channel = session.createExecChannel(command);
      if (stdin != null) {
        channel.setIn(new ByteArrayInputStream(stdin));
      }
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
        return new ExecResult(null, null, true, false, -1, -1);
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
      return new ExecResult(exit, signal, false, false, -1, -1);
    } catch (IOException e) {
      drop(host, session);
      throw new SshFailure(SshFailure.Kind.CONNECTION_LOST, host.describe() + ": " + e, e);
    }
  }

  public ClientSession session(HostConnection host, KeyPair keyPair) throws SshFailure {
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

  /**
   * The SFTP client on {@code host}'s pooled session, opened once per connection and shared by
   * every command and transfer on it (an SFTP client takes concurrent requests): on hosts whose
   * sftp-server is started through the user's login shell, a new SFTP channel per use would pay for
   * that shell every time.
   */
  public SftpClient sftp(HostConnection host, KeyPair keyPair) throws SshFailure {
    ClientSession session = session(host, keyPair);
    synchronized (session) {
      SftpClient sftp = session.getAttribute(SFTP);
      if (sftp != null && sftp.isOpen()) {
        return sftp;
      }
      try {
        sftp = SftpClientFactory.instance().createSftpClient(session);
      } catch (IOException e) {
        drop(host, session);
        throw new SshFailure(SshFailure.Kind.CONNECTION_LOST, host.describe() + ": " + e, e);
      }
      session.setAttribute(SFTP, sftp);
      session.removeAttribute(HOME);
      return sftp;
    }
  }

  /** The SSH user's home directory on {@code host} (where SFTP starts), asked once a connection. */
  public String home(HostConnection host, KeyPair keyPair) throws SshFailure {
    SftpClient sftp = sftp(host, keyPair);
    ClientSession session = sftp.getClientSession();
    String home = session.getAttribute(HOME);
    if (home == null) {
      try {
        home = sftp.canonicalPath(".");
      } catch (IOException e) {
        drop(host, session);
        throw new SshFailure(SshFailure.Kind.CONNECTION_LOST, host.describe() + ": " + e, e);
      }
      home = home.endsWith("/") ? home.substring(0, home.length() - 1) : home;
      session.setAttribute(HOME, home);
    }
    return home;
  }

  /** How many SSH connections this client has opened since it started. */
  public long connectionsOpened() {
    return opened.get();
  }

  private ClientSession connect(HostConnection host, KeyPair keyPair) throws SshFailure {
    opened.incrementAndGet();
    PinnedHostKeys.Attempt attempt = new PinnedHostKeys.Attempt(host);
    ClientSession session;
    try {
      session =
          client
              .connect(
                  host.user(),
                  host.address(),
                  host.port(),
                  AttributeRepository.ofKeyValuePair(PinnedHostKeys.ATTEMPT, attempt))
              .verify(config.connectTimeout())
              .getSession();
    } catch (IOException e) {
      if (attempt.mismatch() != null) {
        throw new SshFailure(SshFailure.Kind.HOST_KEY_MISMATCH, attempt.mismatch(), e);
      }
      throw new SshFailure(SshFailure.Kind.UNREACHABLE, host.describe() + ": " + e.getMessage(), e);
    }
    try {
      session.addPublicKeyIdentity(keyPair);
      session.auth().verify(config.authTimeout());
      return session;
    } catch (IOException e) {
      closeQuietly(session);
      String mismatch = attempt.mismatch();
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

  /**
   * Runs a short control script of Slipway's own on {@code session} and waits for it (at most the
   * open timeout beyond {@code slipway.ssh.kill-grace}); its output is discarded.
   *
   * @return its exit status
   */
  int run(HostConnection host, ClientSession session, String script) throws SshFailure {
    try (ChannelExec channel = session.createExecChannel(script)) {
      channel.setOut(OutputStream.nullOutputStream());
      channel.setErr(OutputStream.nullOutputStream());
      channel.open().verify(config.openTimeout());
      Set<ClientChannelEvent> events =
          channel.waitFor(
              EnumSet.of(ClientChannelEvent.CLOSED), config.killGrace().plus(config.openTimeout()));
      Integer status = channel.getExitStatus();
      if (events.contains(ClientChannelEvent.TIMEOUT) || status == null) {
        throw new SshFailure(
            SshFailure.Kind.CONNECTION_LOST, host.describe() + ": a control command hung", null);
      }
      return status;
    } catch (IOException e) {
      drop(host, session);
      throw new SshFailure(SshFailure.Kind.CONNECTION_LOST, host.describe() + ": " + e, e);
    }
  }

  /** Forgets and closes {@code session} (if it is still the host's): the next use reconnects. */
  void drop(HostConnection host, ClientSession session) {
    sessions.remove(host.resourceId(), session);
    closeQuietly(session);
  }

  /** Closes the pooled session of {@code host}, if any. */
  void drop(HostConnection host) {
    ClientSession session = sessions.remove(host.resourceId());
    if (session != null) {
      closeQuietly(session);
    }
    connectLocks.remove(host.resourceId());
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
