package dev.slipway.stack;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.SshException;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.apache.sshd.core.CoreModuleProperties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SshTestHostIT {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  @TempDir static Path workDir;
  private static SshTestHost host;
  private static SshClient client;
  private static final AtomicReference<PublicKey> seenHostKey = new AtomicReference<>();

  @BeforeAll
  static void start() throws IOException {
    host = SshTestHost.start(workDir);
    client = SshClient.setUpDefaultClient();
    CoreModuleProperties.TCP_NODELAY.set(client, true);
    client.setServerKeyVerifier(
        (session, address, key) -> {
          seenHostKey.set(key);
          return PublicKeyEntry.toString(key).equals(host.hostPublicKey());
        });
    client.start();
  }

  @AfterAll
  static void stop() throws IOException {
    client.stop();
    host.close();
  }

  @Test
  void execWiresStdoutStderrAndExitStatus() throws Exception {
    try (ClientSession session = login(host.clientPrivateKeyPem())) {
      Result result = exec(session, "echo hi; echo err >&2; exit 3");

      assertEquals("hi\n", result.stdout);
      assertEquals("err\n", result.stderr);
      assertEquals(3, result.exitStatus);
      assertEquals(host.hostPublicKey(), PublicKeyEntry.toString(seenHostKey.get()));
      assertTrue(host.hostPublicKey().startsWith("ssh-ed25519 AAAA"), host.hostPublicKey());
    }
  }

  @Test
  void commandsRunInTheWorkDirectory() throws Exception {
    try (ClientSession session = login(host.clientPrivateKeyPem())) {
      Result result = exec(session, "pwd -P");

      assertEquals(workDir.toRealPath() + "\n", result.stdout);
    }
  }

  @Test
  void unknownKeyIsRejected() {
    assertThrows(SshException.class, () -> login(SshTestHost.generatePrivateKeyPem()).close());
  }

  @Test
  void countsConcurrentCommands() throws Exception {
    host.resetCounters();
    ExecutorService threads = Executors.newFixedThreadPool(3);
    try (ClientSession session = login(host.clientPrivateKeyPem())) {
      List<CompletableFuture<Result>> runs = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        runs.add(CompletableFuture.supplyAsync(() -> execUnchecked(session, "sleep 1"), threads));
      }
      for (CompletableFuture<Result> run : runs) {
        assertEquals(0, run.get().exitStatus);
      }
    } finally {
      threads.shutdown();
    }

    assertEquals(3, host.maxConcurrentCommands());
    assertEquals(List.of("sleep 1", "sleep 1", "sleep 1"), host.executedCommands());
    await().atMost(TIMEOUT).until(() -> host.runningCommands() == 0);
  }

  @Test
  void closingTheChannelKillsTheCommand() throws Exception {
    Path pidFile = workDir.resolve("sleeper.pid");
    try (ClientSession session = login(host.clientPrivateKeyPem())) {
      ChannelExec channel = session.createExecChannel("echo $$ > sleeper.pid; exec sleep 60");
      channel.open().verify(TIMEOUT);
      await().atMost(TIMEOUT).until(() -> Files.exists(pidFile) && Files.size(pidFile) > 0);
      long pid = Long.parseLong(Files.readString(pidFile).trim());

      channel.close(false).await(TIMEOUT);

      await()
          .atMost(TIMEOUT)
          .until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
    }
  }

  @Test
  void restartKeepsHostAndClientKeys() throws IOException {
    try (SshTestHost again = SshTestHost.start(workDir)) {
      assertEquals(host.hostPublicKey(), again.hostPublicKey());
      assertEquals(host.clientPublicKey(), again.clientPublicKey());
      assertTrue(again.port() > 0);
    }
  }

  private static ClientSession login(String privateKeyPem)
      throws IOException, GeneralSecurityException {
    KeyPair key =
        SecurityUtils.getKeyPairResourceParser()
            .loadKeyPairs(
                null, NamedResource.ofName("test-key"), FilePasswordProvider.EMPTY, privateKeyPem)
            .iterator()
            .next();
    ClientSession session =
        client.connect(host.user(), host.address(), host.port()).verify(TIMEOUT).getSession();
    try {
      session.addPublicKeyIdentity(key);
      session.auth().verify(TIMEOUT);
      return session;
    } catch (IOException | RuntimeException e) {
      session.close(true);
      throw e;
    }
  }

  private static Result exec(ClientSession session, String command) throws IOException {
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    try (ChannelExec channel = session.createExecChannel(command)) {
      channel.setOut(stdout);
      channel.setErr(stderr);
      channel.open().verify(TIMEOUT);
      channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), TIMEOUT);
      return new Result(
          stdout.toString(StandardCharsets.UTF_8),
          stderr.toString(StandardCharsets.UTF_8),
          channel.getExitStatus());
    }
  }

  private static Result execUnchecked(ClientSession session, String command) {
    try {
      return exec(session, command);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private record Result(String stdout, String stderr, Integer exitStatus) {}
}
