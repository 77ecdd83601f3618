package dev.slipway.worker.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.slipway.stack.OpenSshHost;
import dev.slipway.stack.SshTestHost;
import dev.slipway.stack.TestSshHost;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-command cost of running {@code true} on one host, three ways in one run: Slipway's command
 * interface on the pooled connection (the detached command a runner uses on POSIX hosts, and the
 * plain channel it uses on Windows hosts), a new SSH connection per command, and the system {@code
 * ssh} client per command. Measured on Debian's OpenSSH sshd on loopback, whose every exec starts
 * the user's login shell (bash: its start alone is printed as a floor), and on Apache SSHD in this
 * JVM, which starts {@code /bin/sh} directly. Prints figures; asserts only that every command
 * exited 0. Run with {@code -Dit.test=CommandLatencyBenchmark} (see docs/performance.md); {@code
 * -Dbench.commands=N} changes the count per row (default 1,000).
 */
class CommandLatencyBenchmark {

  private static final int COMMANDS = Integer.getInteger("bench.commands", 1_000);
  private static final int WARMUP = 20;
  private static final Duration TIMEOUT = Duration.ofMinutes(1);

  @TempDir Path dir;

  @Test
  void trueOnOneHost() throws Exception {
    assumeTrue(OpenSshHost.available(), OpenSshHost.UNAVAILABLE);
    System.out.printf("%n%-62s %8s %8s %8s%n", "milliseconds per command", "median", "p99", "n");
    print("(floor) bash -c true started locally, no SSH", this::localShell);
    try (OpenSshHost host = OpenSshHost.start(dir.resolve("openssh"))) {
      measure("OpenSSH sshd (its login shell: bash)", host);
    }
    try (SshTestHost host = SshTestHost.start(dir.resolve("apache"))) {
      measure("Apache SSHD in process (/bin/sh -c, no login shell)", host);
    }
  }

  /** The four ways to run {@code true} on {@code host}, one after the other. */
  private void measure(String label, TestSshHost host) throws Exception {
    try (SshConnections pooled = RealSshHostTest.connect();
        SshConnections perCommand = RealSshHostTest.connect()) {
      HostConnection target = RealSshHostTest.target(host, "res-bench");
      DetachedCommands detached = new DetachedCommands(pooled, TestSshConfig.QUICK);
      Step detachedTrue =
          () -> {
            String id = "bench-" + UUID.randomUUID();
            ExecResult r =
                detached.run(
                    target,
                    host.clientKeyPair(),
                    DetachedCommands.Spec.first(id, "true", Instant.now(), TIMEOUT),
                    (stream, offset, data, length) -> {},
                    () -> false);
            detached.remove(target, host.clientKeyPair(), id);
            return r.exitCode();
          };
      Step channelTrue = () -> plainTrue(pooled, target, host);
      Step newConnectionTrue =
          () -> {
            HostConnection fresh = target.withResourceId("res-" + UUID.randomUUID());
            int exit = plainTrue(perCommand, fresh, host);
            perCommand.drop(fresh);
            return exit;
          };
      List<String> sshCli = sshCommand(host);
      Step systemSshTrue =
          () -> new ProcessBuilder(sshCli).redirectErrorStream(true).start().waitFor();

      System.out.println(label + ":");
      double[] a = print("(a) Slipway, pooled connection, detached command", detachedTrue);
      double[] a2 = print("(a') Slipway, pooled connection, plain channel", channelTrue);
      double[] b = print("(b) new SSH connection per command (Apache SSHD)", newConnectionTrue);
      double[] c = print("(c) system ssh client per command", systemSshTrue);
      System.out.printf(
          "ratios of medians: b/a %.2f, c/a %.2f, b/a' %.2f, c/a' %.2f%n%n",
          b[0] / a[0], c[0] / a[0], b[0] / a2[0], c[0] / a2[0]);
    }
  }

  private static int plainTrue(SshConnections connections, HostConnection target, TestSshHost host)
      throws SshFailure {
    return connections
        .exec(
            target,
            host.clientKeyPair(),
            "true",
            TIMEOUT,
            OutputStream.nullOutputStream(),
            OutputStream.nullOutputStream())
        .exitCode();
  }

  /** What any command costs on this machine: starting the login shell. */
  private int localShell() throws Exception {
    return new ProcessBuilder("bash", "-c", "true").redirectErrorStream(true).start().waitFor();
  }

  /** {@code ssh} with the host's client key and its pinned host key, batch mode, no config. */
  private List<String> sshCommand(TestSshHost host) throws Exception {
    Path key = dir.resolve("bench_key_" + host.port());
    Files.writeString(key, host.clientPrivateKeyPem());
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    Path knownHosts = dir.resolve("known_hosts_" + host.port());
    Files.writeString(
        knownHosts, "[127.0.0.1]:" + host.port() + " " + host.hostPublicKey().trim() + "\n");
    return List.of(
        "ssh",
        "-F",
        "/dev/null",
        "-i",
        key.toString(),
        "-p",
        Integer.toString(host.port()),
        "-o",
        "BatchMode=yes",
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "UserKnownHostsFile=" + knownHosts,
        host.user() + "@127.0.0.1",
        "true");
  }

  @FunctionalInterface
  private interface Step {
    int run() throws Exception;
  }

  /** Runs the step WARMUP + COMMANDS times; prints and returns {median, p99} of the measured. */
  private static double[] print(String what, Step step) throws Exception {
    for (int i = 0; i < WARMUP; i++) {
      assertEquals(0, step.run(), what);
    }
    long[] nanos = new long[COMMANDS];
    for (int i = 0; i < COMMANDS; i++) {
      long start = System.nanoTime();
      assertEquals(0, step.run(), what);
      nanos[i] = System.nanoTime() - start;
    }
    Arrays.sort(nanos);
    double median = nanos[COMMANDS / 2] / 1e6;
    double p99 = nanos[(int) Math.ceil(COMMANDS * 0.99) - 1] / 1e6;
    System.out.printf("%-62s %8.2f %8.2f %8d%n", what, median, p99, COMMANDS);
    return new double[] {median, p99};
  }
}
