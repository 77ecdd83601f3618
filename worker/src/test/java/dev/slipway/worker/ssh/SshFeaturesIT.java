package dev.slipway.worker.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.slipway.stack.OpenSshHost;
import dev.slipway.stack.SshTestHost;
import dev.slipway.stack.TestSshHost;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hosts as they come: what a connection finds out about a host ({@link SshFeatures}) and tells its
 * listener, exec output without the login shell's banner, and a pooled connection that an edit of
 * the host retires.
 */
class SshFeaturesIT {

  @TempDir Path dir;

  private final Map<String, SshFeatures> detected = new ConcurrentHashMap<>();

  private SshConnections connect() {
    return new SshConnections(
        TestSshConfig.QUICK,
        new PinnedHostKeys((id, key) -> key, true),
        (host, features) -> detected.put(host.resourceId(), features));
  }

  private static HostConnection target(TestSshHost server, String id) {
    return new HostConnection(
        id,
        server.address(),
        server.port(),
        server.user(),
        "cred-test",
        server.hostPublicKey(),
        "linux");
  }

  /** stdout and stderr of {@code command} run with {@link SshConnections#exec}. */
  private static List<String> exec(
      SshConnections connections, HostConnection host, TestSshHost server, String command)
      throws SshFailure {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ExecResult result =
        connections.exec(host, server.clientKeyPair(), command, Duration.ofMinutes(1), out, err);
    assertEquals(0, result.exitCode(), err.toString(StandardCharsets.UTF_8));
    return List.of(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void aStockOpenSshHostOffersSftpAndNoBanner() throws Exception {
    assumeTrue(OpenSshHost.available(), OpenSshHost.UNAVAILABLE);
    try (OpenSshHost server = OpenSshHost.start(dir);
        SshConnections connections = connect()) {
      HostConnection host = target(server, "res-stock");
      SshFeatures features = connections.features(host, server.clientKeyPair());
      assertTrue(features.sftp());
      assertFalse(features.loginBanner());
      assertEquals(
          Path.of(System.getProperty("user.home")).toRealPath().toString(), features.home());
      assertEquals(features, detected.get("res-stock"));
      assertNotNull(connections.sftp(host, server.clientKeyPair()));
    }
  }

  @Test
  void aHostWithoutSftpIsFoundSoAndItsFilesGoOverExec() throws Exception {
    assumeTrue(OpenSshHost.available(), OpenSshHost.UNAVAILABLE);
    try (OpenSshHost server = OpenSshHost.start(dir, OpenSshHost.Option.NO_SFTP);
        SshConnections connections = connect()) {
      HostConnection host = target(server, "res-no-sftp");
      SshFeatures features = connections.features(host, server.clientKeyPair());
      assertFalse(features.sftp());
      assertFalse(features.loginBanner());
      assertEquals(features, detected.get("res-no-sftp"));
      assertTrue(connections.files(host, server.clientKeyPair()) instanceof ExecFiles);
      assertEquals(
          List.of("out\n", "err\n"), exec(connections, host, server, "echo out; echo err >&2"));
      assertEquals(1, connections.connectionsOpened(), "finding out took a connection of its own");
    }
  }

  @Test
  void aLoginShellsBannerIsFoundAndNeverPartOfACommandsOutput() throws Exception {
    assumeTrue(OpenSshHost.available(), OpenSshHost.UNAVAILABLE);
    try (OpenSshHost server = OpenSshHost.start(dir, OpenSshHost.Option.LOGIN_BANNER);
        SshConnections connections = connect()) {
      HostConnection host = target(server, "res-banner");
      List<String> output = exec(connections, host, server, "echo out; echo err >&2");
      assertEquals(List.of("out\n", "err\n"), output);
      SshFeatures features = detected.get("res-banner");
      assertTrue(features.loginBanner());
      assertFalse(features.sftp(), "SFTP through a shell that prints is corrupt");
      // the command's own output may hold anything, Slipway's markers too, and is passed on whole
      assertEquals(
          List.of(OpenSshHost.BANNER + "\nx\n", ""),
          exec(connections, host, server, "echo '" + OpenSshHost.BANNER + "'; echo x"));
    }
  }

  @Test
  void anEditedAddressReachesTheNewHostOnANewConnection() throws Exception {
    Path first = Files.createDirectories(dir.resolve("first"));
    Path second = Files.createDirectories(dir.resolve("second"));
    try (SshTestHost before = SshTestHost.start(first);
        SshTestHost after = SshTestHost.start(second);
        SshConnections connections = connect()) {
      HostConnection host = target(before, "res-edited");
      assertEquals(first.toRealPath() + "\n", exec(connections, host, before, "pwd -P").get(0));
      // the operator moves the host: another port (another machine), its own host key
      HostConnection moved = target(after, "res-edited");
      assertEquals(second.toRealPath() + "\n", exec(connections, moved, after, "pwd -P").get(0));
      assertEquals(2, connections.connectionsOpened());
      assertEquals(second.toRealPath().toString(), detected.get("res-edited").home());
      // and unchanged values keep the connection
      exec(connections, moved, after, "true");
      assertEquals(2, connections.connectionsOpened());
    }
  }

  @Test
  void anEditedUserOrCredentialOpensANewConnection() throws Exception {
    try (SshTestHost server = SshTestHost.start(dir);
        SshConnections connections = connect()) {
      HostConnection host = target(server, "res-user");
      exec(connections, host, server, "true");
      HostConnection otherCredential =
          new HostConnection(
              host.resourceId(),
              host.address(),
              host.port(),
              host.user(),
              "cred-rotated",
              host.hostKey(),
              host.platform());
      exec(connections, otherCredential, server, "true");
      assertEquals(2, connections.connectionsOpened());
    }
  }
}
