package dev.slipway.worker.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.stack.SshTestHost;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
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
  void serverStoppedMidCommandFailsClearlyOnceReconnectingGivesUp() throws Exception {
    Path own = dir.resolve("stopped-server");
    SshTestHost doomed = SshTestHost.start(own);
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try (SshConnections client = connect()) {
      DetachedCommands onDoomed = new DetachedCommands(client, TestSshConfig.QUICK);
      HostConnection target =
          new HostConnection(
              "res-doomed",
              doomed.address(),
              doomed.port(),
              doomed.user(),
              "cred-test",
              doomed.hostPublicKey(),
              "linux");
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
                      new DetachedCommands.Spec(newId(), "sleep 20", Instant.now(), LONG, 0, 0),
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
