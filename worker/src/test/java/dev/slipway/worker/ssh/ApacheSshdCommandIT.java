package dev.slipway.worker.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.stack.SshTestHost;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command interface against Apache SSHD in this JVM. */
class ApacheSshdCommandIT extends CommandInterfaceContract {

  @TempDir static Path dir;

  @BeforeAll
  static void startHost() throws Exception {
    start(SshTestHost.start(dir), dir);
  }

  @Test
  void anUnpinnedHostIsRefusedWhenFirstContactPinningIsOff() throws Exception {
    try (SshConnections strict =
        new SshConnections(TestSshConfig.QUICK, new PinnedHostKeys((id, key) -> key, false))) {
      HostConnection unpinned =
          new HostConnection(
              "res-unpinned", host.address(), host.port(), host.user(), "cred-test", null, "linux");
      SshFailure failure =
          refusal(
              new DetachedCommands(strict, TestSshConfig.QUICK), unpinned, host.clientKeyPair());
      assertEquals(SshFailure.Kind.HOST_KEY_MISMATCH, failure.kind());
      assertTrue(failure.getMessage().contains("pin-on-first-contact"), failure.getMessage());
    }
  }

  /**
   * The worker's own {@code ~/.ssh/config} and keys are not Slipway's: a line there (here a {@code
   * Match} block, which Apache SSHD cannot even read) must not change how hosts are reached.
   */
  @Test
  void theWorkerUsersOwnSshConfigIsIgnored() throws Exception {
    try (var planted =
            dev.slipway.worker.workingcopy.PlantedSshConfig.plant(
                "Match host nothing.invalid\n  User nobody\n");
        SshConnections fresh = connect()) {
      Collected out = new Collected(true);
      ExecResult result =
          new DetachedCommands(fresh, TestSshConfig.QUICK)
              .run(
                  hostConnection(),
                  host.clientKeyPair(),
                  DetachedCommands.Spec.first(newId(), "echo reached", Instant.now(), LONG),
                  out,
                  () -> false);
      assertEquals("reached\n", out.out(), out.err());
      assertEquals(0, (int) result.exitCode());
    }
  }

  /**
   * A build host whose SFTP server is Apache SSHD as it comes hands out counted file handles, and
   * loses one to every open that fails: a later open then gets a handle still in use, and reads on
   * it return another file's bytes. Followers look a spool file up before opening it, so no open
   * fails in their normal flow: 80 commands on one connection each read their own output. (With
   * followers that opened files not yet written, some read another command's output.)
   */
  @Test
  void eachCommandReadsItsOwnOutputFromAServerWithCountedSftpHandles(@TempDir Path other)
      throws Exception {
    ExecutorService runners = Executors.newFixedThreadPool(16);
    try (SshTestHost counted = SshTestHost.start(other);
        SshConnections own = connect()) {
      counted.countSftpHandles();
      HostConnection target = target(counted, "res-counted-handles");
      DetachedCommands followers = new DetachedCommands(own, TestSshConfig.QUICK);
      List<Future<?>> outcomes = new ArrayList<>();
      for (int i = 0; i < 80; i++) {
        int n = i;
        outcomes.add(
            runners.submit(
                () -> {
                  Collected out = new Collected(true);
                  ExecResult result =
                      followers.run(
                          target,
                          counted.clientKeyPair(),
                          DetachedCommands.Spec.first(
                              newId(),
                              "echo begin " + n + "; sleep 0." + (1 + n % 4) + "; echo end " + n,
                              Instant.now(),
                              LONG),
                          out,
                          () -> false);
                  assertEquals(0, (int) result.exitCode(), out.err());
                  assertEquals("begin " + n + "\nend " + n + "\n", out.out(), "command " + n);
                  return null;
                }));
      }
      for (Future<?> outcome : outcomes) {
        outcome.get(2, TimeUnit.MINUTES);
      }
    } finally {
      runners.shutdownNow();
    }
  }

  /**
   * A channel asked of a pooled connection that another user has just closed is a lost connection,
   * which the follow reconnects from; Apache SSHD itself refuses it with an IllegalStateException,
   * which used to end the command as a runner error.
   */
  @Test
  void aChannelOnAConnectionJustClosedIsALostConnection() throws Exception {
    try (SshConnections own = connect()) {
      org.apache.sshd.client.session.ClientSession session =
          own.session(hostConnection(), host.clientKeyPair());
      session.close(true);
      SshFailure failure =
          assertThrows(SshFailure.class, () -> own.run(hostConnection(), session, "true"));
      assertEquals(SshFailure.Kind.CONNECTION_LOST, failure.kind());
      assertTrue(failure.getMessage().contains("connection closed"), failure.getMessage());
    }
  }

  @Test
  void aHostNobodyListensOnIsUnreachable() throws Exception {
    int closed = dev.slipway.stack.Ports.free();
    HostConnection nowhere =
        new HostConnection(
            "res-nowhere", "127.0.0.1", closed, host.user(), "cred-test", null, "linux");
    SshFailure failure = refusal(commands, nowhere, host.clientKeyPair());
    assertEquals(SshFailure.Kind.UNREACHABLE, failure.kind());
    assertTrue(failure.getMessage().startsWith("host unreachable: "), failure.getMessage());
  }

  @Test
  void serverStoppedMidCommandFailsClearlyOnceReconnectingGivesUp() throws Exception {
    Path own = dir.resolve("stopped-server");
    SshTestHost doomed = SshTestHost.start(own);
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try (SshConnections client = connect()) {
      DetachedCommands onDoomed = new DetachedCommands(client, TestSshConfig.QUICK);
      HostConnection target = target(doomed, "res-doomed");
      timer.schedule(
          () -> {
            doomed.close();
            return null;
          },
          1,
          TimeUnit.SECONDS);
      Instant start = Instant.now();
      SshFailure failure =
          assertThrows(
              SshFailure.class,
              () ->
                  onDoomed.run(
                      target,
                      doomed.clientKeyPair(),
                      DetachedCommands.Spec.first(newId(), "sleep 20", Instant.now(), LONG),
                      new Collected(true),
                      () -> false));
      Duration took = Duration.between(start, Instant.now());
      assertEquals(SshFailure.Kind.CONNECTION_LOST, failure.kind());
      assertTrue(failure.getMessage().contains("not back within 3s"), failure.getMessage());
      assertTrue(took.compareTo(Duration.ofSeconds(15)) < 0, "took " + took);
    } finally {
      timer.shutdownNow();
      doomed.close();
    }
  }
}
