package dev.slipway.stack;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;

/**
 * Debian's OpenSSH server ({@code /usr/sbin/sshd}) on a free port of 127.0.0.1, run in the
 * foreground with a config of its own under {@code workDir/.openssh-test-host}: its own ed25519
 * host key, and an authorized_keys holding the one client key pair it generates there (both kept,
 * so a restart presents the same keys). Only public-key logins of {@link #user()}; SFTP through
 * {@code internal-sftp}. Unlike {@link SshTestHost}, commands start in the user's home directory
 * and run through the user's login shell, with {@code HOME} set to an empty directory of its own
 * (so that the machine user's shell startup files do not slow every command; SFTP still starts in
 * the user's real home). Needs {@code /run/sshd}, which it creates if missing.
 *
 * <p>{@link Option}s make it a host as some come: {@link Option#NO_SFTP} drops the {@code Subsystem
 * sftp} line (as hardened hosts do), {@link Option#LOGIN_BANNER} gives that HOME a {@code .bashrc}
 * that prints {@link #BANNER} on stdout and stderr (bash sources it for every command sshd runs)
 * and serves SFTP through the external {@code sftp-server}, which sshd starts through the user's
 * shell, so that the banner reaches the SFTP stream as it does on such hosts.
 */
public final class OpenSshHost implements TestSshHost {

  /** The server binary of Debian's {@code openssh-server}. */
  public static final Path SSHD = Path.of("/usr/sbin/sshd");

  /** Why tests that need this host are skipped when {@link #available()} is false. */
  public static final String UNAVAILABLE =
      "Debian's openssh-server is not installed: /usr/sbin/sshd missing; .ci/run installs it";

  /** How this host differs from a stock one. */
  public enum Option {
    /** No {@code Subsystem sftp} line: SFTP is refused. */
    NO_SFTP,
    /** The login shell prints {@link #BANNER} (stdout and stderr) before every command. */
    LOGIN_BANNER
  }

  /** What the login shell of a {@link Option#LOGIN_BANNER} host prints before every command. */
  public static final String BANNER = "Welcome to the slipway test host!";

  /** Debian's external SFTP server, started by sshd through the user's login shell. */
  private static final Path SFTP_SERVER = Path.of("/usr/lib/openssh/sftp-server");

  private static final String DIR = ".openssh-test-host";
  private static final Path PRIVSEP_DIR = Path.of("/run/sshd");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration STOP_GRACE = Duration.ofSeconds(5);
  private static final int START_ATTEMPTS = 3;
  private static final int LOG_TAIL_LINES = 40;

  private final Process process;
  private final int port;
  private final KeyPair clientKey;
  private final KeyPair hostKey;
  private final Path log;

  private OpenSshHost(Process process, int port, KeyPair clientKey, KeyPair hostKey, Path log) {
    this.process = process;
    this.port = port;
    this.clientKey = clientKey;
    this.hostKey = hostKey;
    this.log = log;
  }

  /** Whether {@code /usr/sbin/sshd} is installed and executable. */
  public static boolean available() {
    return Files.isExecutable(SSHD);
  }

  /**
   * Starts sshd on a free port of 127.0.0.1 with its files under {@code workDir} (created if
   * missing); returns once the port accepts connections (at most 10 s).
   *
   * @throws IOException if sshd is missing, exits early (the message holds its output) or does not
   *     listen in time
   */
  public static OpenSshHost start(Path workDir, Option... options) throws IOException {
    java.util.Set<Option> chosen = java.util.Set.of(options);
    if (!available()) {
      throw new IOException(UNAVAILABLE);
    }
    Path dir = Files.createDirectories(workDir.toAbsolutePath().normalize().resolve(DIR));
    KeyPair hostKey = SshKeys.loadOrCreate(dir.resolve("host_ed25519"), "slipway-openssh-host");
    KeyPair clientKey = SshKeys.loadOrCreate(dir.resolve("client_ed25519"), "slipway-test");
    Path authorizedKeys = dir.resolve("authorized_keys");
    Files.writeString(
        authorizedKeys,
        SshKeys.publicKeyLine(clientKey.getPublic()) + "\n",
        StandardCharsets.US_ASCII);
    Path config = dir.resolve("sshd_config");
    Path pidFile = dir.resolve("sshd.pid");
    Path home = Files.createDirectories(dir.resolve("home"));
    Path bashrc = home.resolve(".bashrc");
    if (chosen.contains(Option.LOGIN_BANNER)) {
      Files.writeString(bashrc, "echo '" + BANNER + "'\necho '" + BANNER + "' >&2\n");
    } else {
      Files.deleteIfExists(bashrc);
    }
    StackFiles.stopStale(pidFile, config.toString(), STOP_GRACE);
    Files.createDirectories(PRIVSEP_DIR);

    IOException lastFailure = null;
    for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
      int port = Ports.free();
      Files.writeString(config, config(dir, port, authorizedKeys, pidFile, home, chosen));
      Path log = dir.resolve("sshd.log");
      Process process =
          new ProcessBuilder(SSHD.toString(), "-D", "-e", "-f", config.toString())
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      OpenSshHost host = new OpenSshHost(process, port, clientKey, hostKey, log);
      try {
        host.awaitListening();
        return host;
      } catch (IOException | RuntimeException e) {
        host.close();
        if (!StackFiles.contains(log, "Address already in use")) {
          throw e;
        }
        lastFailure = new IOException("sshd found port " + port + " taken", e);
      }
    }
    throw lastFailure;
  }

  private static String config(
      Path dir,
      int port,
      Path authorizedKeys,
      Path pidFile,
      Path home,
      java.util.Set<Option> options) {
    String sftp =
        options.contains(Option.NO_SFTP)
            ? "# no SFTP subsystem"
            : options.contains(Option.LOGIN_BANNER)
                ? "Subsystem sftp " + SFTP_SERVER
                : "Subsystem sftp internal-sftp";
    return String.join(
        "\n",
        List.of(
            "ListenAddress 127.0.0.1",
            "Port " + port,
            "HostKey " + dir.resolve("host_ed25519"),
            "AuthorizedKeysFile " + authorizedKeys,
            "PidFile " + pidFile,
            "UsePAM no",
            "StrictModes no",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PubkeyAuthentication yes",
            "PermitRootLogin yes",
            sftp,
            "LogLevel ERROR",
            "MaxSessions 100",
            // the machine user's shell startup files (here root's ~/.bashrc runs pyenv, ~130 ms)
            // would cost every exec: sessions get an empty HOME, as a lean build account has
            "SetEnv HOME=" + home,
            "MaxStartups 100:30:200",
            ""));
  }

  @Override
  public int port() {
    return port;
  }

  @Override
  public KeyPair clientKeyPair() {
    return clientKey;
  }

  @Override
  public String hostPublicKey() {
    return SshKeys.publicKeyLine(hostKey.getPublic());
  }

  /** Stops sshd and the sessions it forked: SIGTERM, then SIGKILL after a grace period of 5 s. */
  @Override
  public void close() {
    List<ProcessHandle> sessions = process.descendants().toList();
    StackFiles.stop(process.toHandle(), STOP_GRACE);
    sessions.forEach(session -> StackFiles.stop(session, STOP_GRACE));
  }

  private void awaitListening() throws IOException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new IOException(
            "sshd exited with status " + process.exitValue() + " before it listened" + output());
      }
      if (Ports.accepting(port)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IOException(
            "sshd did not listen on port " + port + " within " + START_TIMEOUT + output());
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for sshd");
      }
    }
  }

  private String output() {
    return "\n--- sshd output (" + log + "):\n" + StackFiles.tail(log, LOG_TAIL_LINES);
  }
}
