package dev.slipway.stack;

import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.List;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.file.nativefs.NativeFileSystemFactory;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.apache.sshd.sftp.SftpModuleProperties;
import org.apache.sshd.sftp.server.SftpSubsystem;
import org.apache.sshd.sftp.server.SftpSubsystemConfigurator;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;

/**
 * A {@link TestSshHost} served by an Apache SSHD server in this JVM: it accepts only public-key
 * logins of {@link #user()} with its one client key pair, and stopping it stops the server. {@link
 * #newServer} sets up such a server; what it answers is the subclass's.
 */
public abstract class InJvmSshHost implements TestSshHost {

  /** The size of the SFTP server's file handles: random ones (see {@link #serveSftp}). */
  static final int RANDOM_HANDLE_BYTES = 16;

  private final SshServer server;
  private final KeyPair clientKey;

  /** A host on {@code server} (not started yet) that authorizes {@code clientKey} alone. */
  protected InJvmSshHost(SshServer server, KeyPair clientKey) {
    this.server = server;
    this.clientKey = clientKey;
    server.setPublickeyAuthenticator(
        (username, key, session) ->
            user().equals(username) && KeyUtils.compareKeys(clientKey.getPublic(), key));
  }

  /**
   * A server, not started, on {@code port} of 127.0.0.1 (0: a free port) that presents the ed25519
   * host key kept in {@code hostKeyFile} (generated there if missing) and offers public-key logins
   * only.
   */
  protected static SshServer newServer(Path hostKeyFile, int port) {
    SimpleGeneratorHostKeyProvider hostKeys = new SimpleGeneratorHostKeyProvider(hostKeyFile);
    hostKeys.setAlgorithm(SecurityUtils.EDDSA);
    hostKeys.setKeySize(256);

    SshServer server = SshServer.setUpDefaultServer();
    server.setHost("127.0.0.1");
    server.setPort(port);
    CoreModuleProperties.TCP_NODELAY.set(server, true);
    server.setKeyPairProvider(hostKeys);
    server.setUserAuthFactories(List.of(new UserAuthPublicKeyFactory()));
    server.setPasswordAuthenticator(null);
    server.setKeyboardInteractiveAuthenticator(null);
    server.setHostBasedAuthenticator(null);
    return server;
  }

  /**
   * Makes {@code server} serve SFTP on the real file system through the sessions {@code sessions}
   * opens, typically {@link StartingIn} ones.
   */
  protected static void serveSftp(SshServer server, SftpSessions sessions) {
    server.setFileSystemFactory(new NativeFileSystemFactory());
    // Apache SSHD's default 4-byte file handles are counted, not random, and an open that fails
    // (a file not there yet) loses the freed handle it took: the next open is then handed a handle
    // still in use, and reads on the first one return the other file's bytes. Random handles are
    // checked against those in use.
    SftpModuleProperties.FILE_HANDLE_SIZE.set(server, RANDOM_HANDLE_BYTES);
    server.setSubsystemFactories(
        List.of(
            new SftpSubsystemFactory() {
              @Override
              public Command createSubsystem(ChannelSession channel) {
                SftpSubsystem sftp = sessions.open(channel, this);
                getRegisteredListeners().forEach(sftp::addSftpEventListener);
                return sftp;
              }
            }));
  }

  /**
   * Serves SFTP from now on (to connections made after this) with Apache SSHD's default file
   * handles, the counted ones {@link #serveSftp} avoids: a build host running Apache SSHD as it
   * comes, for tests of a client's defence against them.
   */
  public void countSftpHandles() {
    SftpModuleProperties.FILE_HANDLE_SIZE.remove(server);
  }

  /** Opens the SFTP session of a channel. */
  @FunctionalInterface
  protected interface SftpSessions {
    SftpSubsystem open(ChannelSession channel, SftpSubsystemConfigurator configurator);
  }

  /** An SFTP session whose relative paths start in one directory, as on a host its home does. */
  protected static class StartingIn extends SftpSubsystem {
    private final Path dir;

    public StartingIn(ChannelSession channel, SftpSubsystemConfigurator configurator, Path dir) {
      super(channel, configurator);
      this.dir = dir;
    }

    @Override
    public void setFileSystem(FileSystem fileSystem) {
      super.setFileSystem(fileSystem);
      defaultDir = dir;
    }
  }

  @Override
  public int port() {
    return server.getPort();
  }

  @Override
  public KeyPair clientKeyPair() {
    return clientKey;
  }

  @Override
  public String hostPublicKey() {
    try {
      for (KeyPair pair : server.getKeyPairProvider().loadKeys(null)) {
        return SshKeys.publicKeyLine(pair.getPublic());
      }
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot read the host key", e);
    }
    throw new IllegalStateException("the server has no host key");
  }

  /** Stops the server. */
  @Override
  public void close() throws IOException {
    server.stop(true);
  }
}
