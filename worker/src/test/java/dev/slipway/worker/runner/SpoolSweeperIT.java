package dev.slipway.worker.runner;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.common.events.CommandRequested;
import dev.slipway.platform.secrets.CredentialStore;
import dev.slipway.stack.RealServices;
import dev.slipway.stack.SshTestHost;
import dev.slipway.worker.hosts.HostDirectory;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Spools left on a host are swept by what the database says of their commands, against a real SSH
 * server (on this machine, so the test plants spools and processes of its own) and a real database.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
class SpoolSweeperIT {

  static SshTestHost host;
  static Path hostDir;

  @Inject CredentialStore credentials;
  @Inject EntityManager entityManager;
  @Inject SpoolSweeper sweeper;
  @Inject HostDirectory hosts;

  @BeforeAll
  static void startHost() throws Exception {
    hostDir = Files.createTempDirectory("sweep-host");
    host = SshTestHost.start(hostDir);
  }

  @AfterAll
  static void stopHost() throws Exception {
    host.close();
  }

  /** The host's spool directory of command {@code id} (the default spool dir, under its home). */
  private static Path spool(String id) {
    return hostDir.resolve(".slipway/run").resolve(id);
  }

  /** A spool as the wrapper leaves it: output, a pid, and an exit status when {@code exit}. */
  private static Path plant(String id, long pid, Integer exit, Duration age) throws Exception {
    Path dir = Files.createDirectories(spool(id));
    Files.writeString(dir.resolve("out"), "output\n");
    Files.writeString(dir.resolve("err"), "");
    Files.writeString(dir.resolve("pid"), pid + "\n");
    Files.writeString(
        dir.resolve("boot"), Files.readString(Path.of("/proc/sys/kernel/random/boot_id")));
    if (exit != null) {
      Files.writeString(dir.resolve("exit"), exit + "\n");
    }
    FileTime then = FileTime.from(Instant.now().minus(age));
    Files.setLastModifiedTime(dir, then);
    return dir;
  }

  /** A command row on {@code resourceId} in {@code status}: its id. */
  private String command(String resourceId, String status) {
    CommandRequested request =
        RunnerTestSupport.request(
            entityManager, RunnerTestSupport.Step.run(resourceId, "main", "true", null, 60));
    RunnerTestSupport.sql(
        entityManager,
        "update commands set status = ?2 where id = ?1",
        request.commandId(),
        status);
    return request.commandId();
  }

  /** A process group of its own that stays alive (a command still running on the host). */
  private static Process running() throws Exception {
    return new ProcessBuilder("setsid", "sleep", "300").start();
  }

  /** A pid no process has now (a command whose processes are gone). */
  private static long gone() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    return p.pid();
  }

  @Test
  void spoolsOfEndedAndOfOldUnknownCommandsGoAndNoRunningCommandsSpoolDoes() throws Exception {
    String resourceId =
        RunnerTestSupport.registerHost(
            entityManager, credentials, host, host.clientPrivateKeyPem(), "sweep", "linux");
    Process alive = running();
    try {
      // ended in the database: its exit status written, or its processes gone (an SSH failure)
      String ended = command(resourceId, "finished");
      plant(ended, gone(), 0, Duration.ZERO);
      String endedWithoutStatus = command(resourceId, "finished");
      plant(endedWithoutStatus, gone(), null, Duration.ZERO);
      // ended in the database, but its processes still run on the host: kept until they end
      String endedStillAlive = command(resourceId, "finished");
      plant(endedStillAlive, alive.pid(), null, Duration.ZERO);
      // running in the database: kept however old, even with its processes gone
      String running = command(resourceId, "running");
      plant(running, gone(), null, Duration.ofDays(30));
      String requested = command(resourceId, "requested");
      plant(requested, gone(), null, Duration.ofDays(30));
      // unknown to the database: swept once older than slipway.runner.spool-max-age (7 days)
      String unknownOld = "cmd-gone-" + UUID.randomUUID();
      plant(unknownOld, gone(), null, Duration.ofDays(8));
      String unknownNew = "cmd-new-" + UUID.randomUUID();
      plant(unknownNew, gone(), null, Duration.ofDays(6));

      Set<String> removed = sweeper.sweep(resourceId);

      // the connection this sweep made may have started one in the background too
      Set<String> expected = Set.of(ended, endedWithoutStatus, unknownOld);
      assertTrue(expected.containsAll(removed), removed.toString());
      for (String id : expected) {
        assertFalse(Files.exists(spool(id)), id);
      }
      for (String id : Set.of(endedStillAlive, running, requested, unknownNew)) {
        assertTrue(Files.isDirectory(spool(id)), "removed: " + id);
      }
      assertTrue(alive.isAlive());

      alive.destroy();
      alive.waitFor();
      Set<String> second = sweeper.sweep(resourceId);
      // (a sweep the connection started in the background may have been first)
      assertTrue(Set.of(endedStillAlive).containsAll(second), second.toString());
      assertFalse(Files.exists(spool(endedStillAlive)), "removed once its processes ended");
    } finally {
      alive.destroyForcibly();
    }
  }

  /** A new connection to the host sweeps it in the background. */
  @Test
  void aNewConnectionSweepsTheHost() throws Exception {
    String resourceId =
        RunnerTestSupport.registerHost(
            entityManager, credentials, host, host.clientPrivateKeyPem(), "connect", "linux");
    String ended = command(resourceId, "finished");
    plant(ended, gone(), 3, Duration.ZERO);

    sweeper.connected(hosts.login(resourceId).host());

    await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(spool(ended)));
  }
}
