package dev.slipway.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.server.SshServer;

/**
 * An SSH server in this JVM (Apache SSHD) on 127.0.0.1 that runs exec requests through {@code
 * /bin/sh -c} as the current OS user, working directory {@code workDir}, and serves SFTP on the
 * real file system. It accepts only public-key logins of {@link #user()} with an authorized key:
 * the client key pair it generates (or reuses) under {@code workDir/.ssh-test-host}. Its host key
 * is kept there too, so a restart keeps both. Counts the commands it runs, for tests.
 */
public final class SshTestHost extends InJvmSshHost {

  private static final String KEY_DIR = ".ssh-test-host";

  private final ExecutorService pumps;
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger maxRunning = new AtomicInteger();
  private final List<String> executed = new ArrayList<>();

  private SshTestHost(SshServer server, ExecutorService pumps, KeyPair clientKey) {
    super(server, clientKey);
    this.pumps = pumps;
  }

  /**
   * Starts a server on a free port of 127.0.0.1 whose commands run in {@code workDir} (created if
   * missing).
   */
  public static SshTestHost start(Path workDir) throws IOException {
    return start(workDir, 0);
  }

  /**
   * Starts a server on {@code port} of 127.0.0.1 (0: a free port), keeping its host and client keys
   * under {@code workDir} so that a restart presents the same host key.
   */
  public static SshTestHost start(Path workDir, int port) throws IOException {
    Path dir = workDir.toAbsolutePath().normalize();
    Path keys = Files.createDirectories(dir.resolve(KEY_DIR));
    KeyPair clientKey = SshKeys.loadOrCreate(keys.resolve("client_ed25519"), "slipway-test");
    SshServer server = newServer(keys.resolve("host_ed25519"), port);

    ExecutorService pumps =
        Executors.newCachedThreadPool(
            task -> {
              Thread thread = new Thread(task, "ssh-test-host-io");
              thread.setDaemon(true);
              return thread;
            });
    SshTestHost host = new SshTestHost(server, pumps, clientKey);
    server.setCommandFactory(
        (channel, command) -> new ShellCommand(command, dir, pumps, host.new Counter()));
    // SFTP sees the real file system, as the commands do, and starts where they run (as on a real
    // host, where both start in the user's home)
    serveSftp(server, (channel, configurator) -> new StartingIn(channel, configurator, dir));
    try {
      server.start();
    } catch (IOException | RuntimeException e) {
      pumps.shutdownNow();
      throw e;
    }
    return host;
  }

  /** A fresh ed25519 private key (OpenSSH text) that no server of this class authorizes. */
  public static String generatePrivateKeyPem() {
    return SshKeys.toPem(SshKeys.generate(), "slipway-unauthorized");
  }

  /** The number of commands running now. */
  public int runningCommands() {
    return running.get();
  }

  /** The most commands that ran at once since start or the last {@link #resetCounters()}. */
  public int maxConcurrentCommands() {
    return maxRunning.get();
  }

  /** Forgets the executed commands and sets the maximum to the number running now. */
  public void resetCounters() {
    synchronized (executed) {
      executed.clear();
      maxRunning.set(running.get());
    }
  }

  /** The commands started since start or the last {@link #resetCounters()}, oldest first. */
  public List<String> executedCommands() {
    synchronized (executed) {
      return List.copyOf(executed);
    }
  }

  /** Stops the server and kills the commands still running. */
  @Override
  public void close() throws IOException {
    try {
      super.close();
    } finally {
      pumps.shutdownNow();
    }
  }

  /** Keeps the counters of one command. */
  private final class Counter implements ShellCommand.Listener {
    @Override
    public void started(String command) {
      synchronized (executed) {
        executed.add(command);
        maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
      }
    }

    @Override
    public void ended(String command) {
      running.decrementAndGet();
    }
  }
}
