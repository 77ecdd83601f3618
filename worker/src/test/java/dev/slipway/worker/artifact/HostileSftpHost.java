package dev.slipway.worker.artifact;

import dev.slipway.stack.SshKeys;
import dev.slipway.stack.TestSshHost;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.file.nativefs.NativeFileSystemFactory;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.apache.sshd.sftp.server.SftpSubsystem;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;

/**
 * An SFTP-only SSH server in this JVM (Apache SSHD) on 127.0.0.1 that serves the real file system
 * from {@code workDir} as {@link dev.slipway.stack.SshTestHost} does, but lies when told to, as a
 * host whose {@code sftp-server} a build replaced could: it lists a file under another name ({@link
 * #renames}: {@code ../../x}, an absolute path, a name with {@code /}, a backslash or NUL), and it
 * can answer every read and directory listing slowly ({@link #delay}). No exec requests.
 */
public final class HostileSftpHost implements TestSshHost {

  /** Real file name → the name directory listings give for it instead. */
  public final Map<String, String> renames = new ConcurrentHashMap<>();

  /** How long the server waits before it answers each read and each directory listing. */
  public volatile Duration delay = Duration.ZERO;

  private final SshServer server;
  private final KeyPair clientKey;

  private HostileSftpHost(SshServer server, KeyPair clientKey) {
    this.server = server;
    this.clientKey = clientKey;
  }

  /** Starts a server on a free port whose SFTP starts in {@code workDir} (created if missing). */
  public static HostileSftpHost start(Path workDir) throws IOException {
    Path dir = workDir.toAbsolutePath().normalize();
    Path keys = Files.createDirectories(dir.resolve(".hostile-sftp-host"));
    KeyPair clientKey = SshKeys.generate();
    SimpleGeneratorHostKeyProvider hostKeys =
        new SimpleGeneratorHostKeyProvider(keys.resolve("host_ed25519"));
    hostKeys.setAlgorithm(SecurityUtils.EDDSA);
    hostKeys.setKeySize(256);

    SshServer server = SshServer.setUpDefaultServer();
    HostileSftpHost host = new HostileSftpHost(server, clientKey);
    server.setHost("127.0.0.1");
    server.setPort(0);
    CoreModuleProperties.TCP_NODELAY.set(server, true);
    server.setKeyPairProvider(hostKeys);
    server.setUserAuthFactories(List.of(new UserAuthPublicKeyFactory()));
    server.setPasswordAuthenticator(null);
    server.setKeyboardInteractiveAuthenticator(null);
    server.setHostBasedAuthenticator(null);
    server.setPublickeyAuthenticator(
        (username, key, session) ->
            host.user().equals(username) && KeyUtils.compareKeys(clientKey.getPublic(), key));
    server.setFileSystemFactory(new NativeFileSystemFactory());
    server.setSubsystemFactories(
        List.of(
            new SftpSubsystemFactory() {
              @Override
              public Command createSubsystem(ChannelSession channel) {
                SftpSubsystem sftp =
                    new SftpSubsystem(channel, this) {
                      @Override
                      public void setFileSystem(FileSystem fileSystem) {
                        super.setFileSystem(fileSystem);
                        defaultDir = dir;
                      }

                      @Override
                      protected String getShortName(Path f) throws IOException {
                        String name = super.getShortName(f);
                        return host.renames.getOrDefault(name, name);
                      }

                      @Override
                      protected void doReadDir(Buffer buffer, int id) throws IOException {
                        host.pause();
                        super.doReadDir(buffer, id);
                      }

                      @Override
                      protected int doRead(
                          int id,
                          String handle,
                          long offset,
                          int length,
                          byte[] data,
                          int doff,
                          AtomicReference<Boolean> eof)
                          throws IOException {
                        host.pause();
                        return super.doRead(id, handle, offset, length, data, doff, eof);
                      }
                    };
                getRegisteredListeners().forEach(sftp::addSftpEventListener);
                return sftp;
              }
            }));
    server.start();
    return host;
  }

  private void pause() throws InterruptedIOException {
    Duration wait = delay;
    if (!wait.isZero()) {
      try {
        Thread.sleep(wait.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted");
      }
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

  @Override
  public void close() throws IOException {
    server.stop(true);
  }
}
