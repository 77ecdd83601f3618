package dev.slipway.worker.ssh;

import dev.slipway.common.platform.Platform;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PublicKey;
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
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClientFactory;
import org.jboss.logging.Logger;

/**
 * The runner's SSH client: one {@link SshClient} for the process, one authenticated session per
 * host shared by concurrent commands on separate channels, host keys pinned. A dead session is
 * dropped and reconnected on the next command, and so is a session opened for other values of the
 * host (an address, port, user, credential or host key edited since).
 *
 * <p>Each new session finds out what the host offers ({@link SshFeatures}: SFTP, a login shell that
 * prints, the home directory) before its first use, and tells the {@link SshFeatures.Listener}.
 * {@link #files} gives SFTP where it can be used, exec channels otherwise. On POSIX hosts every
 * exec is framed ({@link Framing}): what the login shell prints before the command is dropped from
 * its output.
 */
public final class SshConnections implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(SshConnections.class);

  private final SshConfig config;
  private final SshClient client;
  private final Map<String, Pooled> sessions = new ConcurrentHashMap<>();
  private final Map<String, Object> connectLocks = new ConcurrentHashMap<>();
  private final AtomicLong opened = new AtomicLong();
  private static final AttributeRepository.AttributeKey<SftpClient> SFTP =
      new AttributeRepository.AttributeKey<>();
  private static final AttributeRepository.AttributeKey<SshFeatures> FEATURES =
      new AttributeRepository.AttributeKey<>();
  private final SshFeatures.Listener listener;

  /** A pooled session, and the values of the host it was opened for. */
  private record Pooled(HostConnection host, PublicKey clientKey, ClientSession session) {}

  /**
   * @param hostKeys verifies and pins host keys
   */
  public SshConnections(SshConfig config, PinnedHostKeys hostKeys) {
    this(config, hostKeys, SshFeatures.Listener.NONE);
  }

  /**
   * @param hostKeys verifies and pins host keys
   * @param listener told what each new connection found the host to offer
   */
  public SshConnections(SshConfig config, PinnedHostKeys hostKeys, SshFeatures.Listener listener) {
    this.config = config;
    this.listener = listener;
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
    Framing.AfterOpening out = null;
    Framing.AfterOpening err = null;
    try {
      if (posix(host)) {
        // the login shell's banner, if any, is not the command's output
        Framing framing = Framing.random();
        command = framing.open(command);
        out = framing.after(stdout);
        err = framing.after(stderr);
      }
      channel = execChannel(session, command);
      if (stdin != null) {
        channel.setIn(new ByteArrayInputStream(stdin));
      }
      channel.setOut(out == null ? stdout : out);
      channel.setErr(err == null ? stderr : err);
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
      if (out != null) {
        out.finish();
        err.finish();
      }
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

  /**
   * The pooled session of {@code host}, opened (and its features found) if there is none, if it
   * died, or if it was opened for other values of the host (or another key).
   */
  public ClientSession session(HostConnection host, KeyPair keyPair) throws SshFailure {
    Pooled open = sessions.get(host.resourceId());
    if (usable(open, host, keyPair)) {
      return open.session();
    }
    synchronized (connectLocks.computeIfAbsent(host.resourceId(), id -> new Object())) {
      open = sessions.get(host.resourceId());
      if (usable(open, host, keyPair)) {
        return open.session();
      }
      if (open != null) {
        if (open.session().isOpen()) {
          LOG.infof(
              "host %s changed (now %s): closing the connection opened for %s",
              host.resourceId(), host.describe(), open.host().describe());
        }
        sessions.remove(host.resourceId(), open);
        closeQuietly(open.session());
      }
      ClientSession session = connect(host, keyPair);
      SshFeatures features;
      try {
        features = detect(host, session);
      } catch (SshFailure | RuntimeException e) {
        closeQuietly(session);
        throw e;
      }
      session.setAttribute(FEATURES, features);
      sessions.put(host.resourceId(), new Pooled(host, keyPair.getPublic(), session));
      try {
        listener.detected(host, features);
      } catch (RuntimeException e) {
        LOG.warnf("recording what %s offers failed: %s", host.resourceId(), e.toString());
      }
      return session;
    }
  }

  /** What {@code host} offers, as its pooled session found out. */
  public SshFeatures features(HostConnection host, KeyPair keyPair) throws SshFailure {
    return featuresOf(host, session(host, keyPair));
  }

  /**
   * What {@code session} found its host offers. Apache SSHD forgets a session's attributes once it
   * is closed: a session dropped meanwhile by another user of the pool is a lost connection.
   */
  private static SshFeatures featuresOf(HostConnection host, ClientSession session)
      throws SshFailure {
    SshFeatures features = session.getAttribute(FEATURES);
    if (features == null) {
      throw new SshFailure(
          SshFailure.Kind.CONNECTION_LOST, host.describe() + ": the connection closed", null);
    }
    return features;
  }

  /**
   * The SFTP client on {@code host}'s pooled session, opened once per connection and shared by
   * every command and transfer on it (an SFTP client takes concurrent requests): on hosts whose
   * sftp-server is started through the user's login shell, a new SFTP channel per use would pay for
   * that shell every time. Null when the host has no SFTP that Slipway can use ({@link
   * SshFeatures#sftp()}).
   */
  public SftpClient sftp(HostConnection host, KeyPair keyPair) throws SshFailure {
    ClientSession session = session(host, keyPair);
    if (!featuresOf(host, session).sftp()) {
      return null;
    }
    synchronized (session) {
      SftpClient sftp = session.getAttribute(SFTP);
      if (sftp != null && sftp.isOpen()) {
        return sftp;
      }
      try {
        sftp = sftpClient(session);
      } catch (IOException e) {
        drop(host, session);
        throw new SshFailure(SshFailure.Kind.CONNECTION_LOST, host.describe() + ": " + e, e);
      }
      session.setAttribute(SFTP, sftp);
      return sftp;
    }
  }

  /**
   * The host's files: over SFTP where the host offers it, else over exec channels (POSIX hosts
   * only).
   */
  public RemoteFiles files(HostConnection host, KeyPair keyPair) throws SshFailure {
    SftpClient sftp = sftp(host, keyPair);
    if (sftp != null) {
      return new SftpFiles(sftp);
    }
    if (!posix(host)) {
      throw new SshFailure(
          SshFailure.Kind.CONNECTION_LOST,
          host.describe() + " offers no SFTP subsystem, which Slipway needs on Windows hosts",
          null);
    }
    return new ExecFiles(this, host, keyPair);
  }

  /** The SSH user's home directory on {@code host} (where SFTP starts), found once a connection. */
  public String home(HostConnection host, KeyPair keyPair) throws SshFailure {
    String home = features(host, keyPair).home();
    if (home == null) {
      throw new SshFailure(
          SshFailure.Kind.CONNECTION_LOST,
          host.describe() + " offers no SFTP, and its home directory cannot be found without it",
          null);
    }
    return home;
  }

  /**
   * What a new session's host offers: on POSIX hosts a framed exec says where the user starts (its
   * home) and shows whether the login shell prints; SFTP is tried unless it printed on stdout
   * (which corrupts SFTP when sshd starts its server through that shell).
   */
  private SshFeatures detect(HostConnection host, ClientSession session) throws SshFailure {
    boolean banner = false;
    boolean stdoutBanner = false;
    String home = null;
    if (posix(host)) {
      Captured probe;
      try {
        probe = capture(host, session, "pwd -P", null, config.openTimeout());
      } catch (SshFailure e) {
        if (!session.isOpen()) {
          throw e;
        }
        probe = new Captured(null, null, null, false, false); // it never answered
      }
      if (probe.exitStatus() != null && probe.exitStatus() == 0 && probe.stdout() != null) {
        banner = probe.stdoutBanner() || probe.stderrBanner();
        stdoutBanner = probe.stdoutBanner();
        home = trimSlash(probe.stdoutText().strip());
      } else {
        // a server that runs no commands (SFTP only) can still take files; its commands will fail
        LOG.infof(
            "%s did not answer the first command as it should (exit %s): trying SFTP",
            host.describe(), probe.exitStatus());
      }
    }
    boolean sftp = false;
    if (!stdoutBanner) {
      try {
        SftpClient client = sftpClient(session);
        session.setAttribute(SFTP, client);
        sftp = true;
        if (home == null) {
          home = trimSlash(client.canonicalPath("."));
        }
      } catch (IOException | RuntimeException e) {
        if (!session.isOpen()) {
          drop(host, session);
          throw new SshFailure(SshFailure.Kind.CONNECTION_LOST, host.describe() + ": " + e, e);
        }
        LOG.infof("%s offers no usable SFTP (%s): files go over exec channels", host.describe(), e);
      }
    }
    // a Windows host without SFTP still runs commands (they stream through their channel)
    return new SshFeatures(sftp, banner, home);
  }

  /**
   * What a framed command said: its exit status (null when it had none), and what it wrote on each
   * stream between the tokens (null when the closing token never came), and whether anything came
   * before the opening token.
   */
  record Captured(
      Integer exitStatus,
      byte[] stdout,
      byte[] stderr,
      boolean stdoutBanner,
      boolean stderrBanner) {

    String stdoutText() {
      return new String(stdout, StandardCharsets.UTF_8);
    }

    String stderrText() {
      return stderr == null ? "" : new String(stderr, StandardCharsets.UTF_8);
    }
  }

  /**
   * Runs the POSIX command line {@code command} on {@code session} between tokens of its own and
   * keeps what it writes: everything the login shell prints before is dropped, and an answer cut
   * short shows as a null stream.
   *
   * @param stdin the command's standard input, or null
   */
  Captured capture(
      HostConnection host, ClientSession session, String command, byte[] stdin, Duration timeout)
      throws SshFailure {
    Framing framing = Framing.random();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Framing.AfterOpening stdout = framing.after(out);
    Framing.AfterOpening stderr = framing.after(err);
    try (ChannelExec channel = execChannel(session, framing.enclose(command))) {
      // a server that refuses to run commands says so at once, instead of leaving us waiting
      CoreModuleProperties.REQUEST_EXEC_REPLY.set(channel, true);
      if (stdin != null) {
        channel.setIn(new ByteArrayInputStream(stdin));
      }
      channel.setOut(stdout);
      channel.setErr(stderr);
      channel.open().verify(config.openTimeout());
      Set<ClientChannelEvent> events =
          channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), timeout);
      if (events.contains(ClientChannelEvent.TIMEOUT)) {
        throw new SshFailure(
            SshFailure.Kind.CONNECTION_LOST, host.describe() + ": a control command hung", null);
      }
      return new Captured(
          channel.getExitStatus(),
          stdout.opened() ? framing.inside(out) : null,
          stderr.opened() ? framing.inside(err) : null,
          stdout.printedBefore(),
          stderr.printedBefore());
    } catch (IOException e) {
      drop(host, session);
      throw new SshFailure(SshFailure.Kind.CONNECTION_LOST, host.describe() + ": " + e, e);
    }
  }

  /**
   * {@link #capture} on {@code host}'s pooled session, for a file operation: given twelve times the
   * open timeout (a listing of a large directory takes its time).
   */
  Captured capture(HostConnection host, KeyPair keyPair, String command, byte[] stdin)
      throws SshFailure {
    return capture(
        host, session(host, keyPair), command, stdin, config.openTimeout().multipliedBy(12));
  }

  /**
   * Opens an exec channel for {@code command} on {@code host}'s pooled session, its stdout and
   * stdin streaming (the caller reads {@code getInvertedOut()}, writes {@code getInvertedIn()});
   * stderr goes to {@code stderr}. The caller closes it.
   */
  ChannelExec open(HostConnection host, KeyPair keyPair, String command, OutputStream stderr)
      throws SshFailure {
    ClientSession session = session(host, keyPair);
    try {
      ChannelExec channel = execChannel(session, command);
      channel.setErr(stderr);
      channel.open().verify(config.openTimeout());
      return channel;
    } catch (IOException e) {
      drop(host, session);
      throw new SshFailure(SshFailure.Kind.CONNECTION_LOST, host.describe() + ": " + e, e);
    }
  }

  static boolean posix(HostConnection host) {
    return Platform.of(host.platform()) != Platform.WINDOWS;
  }

  private static String trimSlash(String path) {
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
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

  /** Whether {@code pooled} is alive and was opened for these values of the host and this key. */
  private static boolean usable(Pooled pooled, HostConnection host, KeyPair keyPair) {
    if (pooled == null) {
      return false;
    }
    ClientSession session = pooled.session();
    if (!session.isOpen() || !session.isAuthenticated()) {
      return false;
    }
    HostConnection was = pooled.host();
    if (!was.address().equals(host.address())
        || was.port() != host.port()
        || !was.user().equals(host.user())
        || !java.util.Objects.equals(was.credentialId(), host.credentialId())
        || !java.util.Objects.equals(was.platform(), host.platform())
        || !KeyUtils.compareKeys(pooled.clientKey(), keyPair.getPublic())) {
      return false;
    }
    // a key pinned on first contact is the one this session verified; an edited key must match it
    return host.hostKey() == null
        || host.hostKey().equals(was.hostKey())
        || (session.getServerKey() != null
            && PinnedHostKeys.sameKey(host.hostKey(), session.getServerKey()));
  }

  /**
   * Runs a short control script of Slipway's own on {@code session} and waits for it (at most the
   * open timeout beyond {@code slipway.ssh.kill-grace}); its output is discarded.
   *
   * @return its exit status
   */
  int run(HostConnection host, ClientSession session, String script) throws SshFailure {
    return run(host, session, script, OutputStream.nullOutputStream());
  }

  /**
   * As {@link #run(HostConnection, ClientSession, String)}, its output (both streams) to {@code
   * output}.
   */
  int run(HostConnection host, ClientSession session, String script, OutputStream output)
      throws SshFailure {
    try (ChannelExec channel = execChannel(session, script)) {
      channel.setOut(output);
      channel.setErr(output);
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

  /**
   * A new exec channel for {@code command} on {@code session}. Apache SSHD refuses a channel on a
   * session that is closing (another user of the pooled connection dropped it, or it was lost) with
   * an {@link IllegalStateException}: here that is an {@link IOException}, a lost connection like
   * any other.
   */
  static ChannelExec execChannel(ClientSession session, String command) throws IOException {
    try {
      return session.createExecChannel(command);
    } catch (IllegalStateException e) {
      throw closing(session, e);
    }
  }

  /** A new SFTP client on {@code session}; a session closing meanwhile as {@link #execChannel}. */
  private static SftpClient sftpClient(ClientSession session) throws IOException {
    try {
      return SftpClientFactory.instance().createSftpClient(session);
    } catch (IllegalStateException e) {
      throw closing(session, e);
    }
  }

  private static IllegalStateException closing(ClientSession session, IllegalStateException e)
      throws SshException {
    if (!session.isOpen()) {
      throw new SshException("the connection closed while a channel was opened", e);
    }
    return e;
  }

  /** Forgets and closes {@code session} (if it is still the host's): the next use reconnects. */
  void drop(HostConnection host, ClientSession session) {
    Pooled pooled = sessions.get(host.resourceId());
    if (pooled != null && pooled.session() == session) {
      sessions.remove(host.resourceId(), pooled);
    }
    closeQuietly(session);
  }

  /** Closes the pooled session of {@code host}, if any. */
  void drop(HostConnection host) {
    Pooled pooled = sessions.remove(host.resourceId());
    if (pooled != null) {
      closeQuietly(pooled.session());
    }
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
    sessions.values().forEach(pooled -> closeQuietly(pooled.session()));
    client.stop();
  }
}
