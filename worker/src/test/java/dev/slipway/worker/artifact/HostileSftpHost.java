package dev.slipway.worker.artifact;

import dev.slipway.stack.InJvmSshHost;
import dev.slipway.stack.SshKeys;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.SshServer;

/**
 * An SFTP-only SSH server in this JVM (Apache SSHD) on 127.0.0.1 that serves the real file system
 * from {@code workDir} as {@link dev.slipway.stack.SshTestHost} does, but lies when told to, as a
 * host whose {@code sftp-server} a build replaced could: it lists a file under another name ({@link
 * #renames}: {@code ../../x}, an absolute path, a name with {@code /}, a backslash or NUL), and it
 * can answer every read and directory listing slowly ({@link #delay}). No exec requests.
 */
public final class HostileSftpHost extends InJvmSshHost {

  /** Real file name → the name directory listings give for it instead. */
  public final Map<String, String> renames = new ConcurrentHashMap<>();

  /** How long the server waits before it answers each read and each directory listing. */
  public volatile Duration delay = Duration.ZERO;

  private HostileSftpHost(SshServer server, KeyPair clientKey) {
    super(server, clientKey);
  }

  /** Starts a server on a free port whose SFTP starts in {@code workDir} (created if missing). */
  public static HostileSftpHost start(Path workDir) throws IOException {
    Path dir = workDir.toAbsolutePath().normalize();
    Path keys = Files.createDirectories(dir.resolve(".hostile-sftp-host"));
    SshServer server = newServer(keys.resolve("host_ed25519"), 0);
    HostileSftpHost host = new HostileSftpHost(server, SshKeys.generate());
    serveSftp(
        server,
        (channel, configurator) ->
            new StartingIn(channel, configurator, dir) {
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
            });
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
}
