package dev.slipway.stack;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.stack.TestSshClient.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshException;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClientFactory;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SshTestHostIT {

  private static final Duration TIMEOUT = TestSshClient.TIMEOUT;

  @TempDir static Path workDir;
  private static SshTestHost host;
  private static TestSshClient client;

  @BeforeAll
  static void start() throws IOException {
    host = SshTestHost.start(workDir);
    client = TestSshClient.start(host);
  }

  @AfterAll
  static void stop() throws IOException {
    client.close();
    host.close();
  }

  @Test
  void execWiresStdoutStderrAndExitStatus() throws Exception {
    try (ClientSession session = login(host.clientPrivateKeyPem())) {
      Result result = exec(session, "echo hi; echo err >&2; exit 3");

      assertEquals("hi\n", result.stdout());
      assertEquals("err\n", result.stderr());
      assertEquals(3, result.exitStatus());
      assertEquals(host.hostPublicKey(), PublicKeyEntry.toString(client.seenHostKey()));
      assertTrue(host.hostPublicKey().startsWith("ssh-ed25519 AAAA"), host.hostPublicKey());
    }
  }

  @Test
  void commandsRunInTheWorkDirectory() throws Exception {
    try (ClientSession session = login(host.clientPrivateKeyPem())) {
      Result result = exec(session, "pwd -P");

      assertEquals(workDir.toRealPath() + "\n", result.stdout());
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
        assertEquals(0, run.get().exitStatus());
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

  /**
   * An open SFTP handle reads its own file while other opens fail: with Apache SSHD's default
   * counted handles, an open of a missing file lost the freed handle it took, and the next open was
   * handed one still in use (the crash suite then read another command's output).
   */
  @Test
  void anOpenHandleKeepsItsFileWhileOtherOpensFail() throws Exception {
    for (String name : List.of("first", "second", "third", "fourth")) {
      Files.writeString(workDir.resolve("handles-" + name), name);
    }
    try (ClientSession session = login(host.clientPrivateKeyPem());
        SftpClient sftp = SftpClientFactory.instance().createSftpClient(session)) {
      SftpClient.Handle first = sftp.open("handles-first");
      SftpClient.Handle second = sftp.open("handles-second");
      SftpClient.Handle third = sftp.open("handles-third");
      sftp.close(first);
      SftpException missing = assertThrows(SftpException.class, () -> sftp.open("handles-missing"));
      assertEquals(SftpConstants.SSH_FX_NO_SUCH_FILE, missing.getStatus());
      SftpClient.Handle fourth = sftp.open("handles-fourth");

      assertEquals("second", read(sftp, second));
      assertEquals("third", read(sftp, third));
      assertEquals("fourth", read(sftp, fourth));
    }
  }

  private static String read(SftpClient sftp, SftpClient.Handle handle) throws IOException {
    byte[] buffer = new byte[64];
    int n = sftp.read(handle, 0, buffer, 0, buffer.length);
    return new String(buffer, 0, Math.max(n, 0), java.nio.charset.StandardCharsets.UTF_8);
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
    return client.login(privateKeyPem);
  }

  private static Result exec(ClientSession session, String command) throws IOException {
    return TestSshClient.exec(session, command);
  }

  private static Result execUnchecked(ClientSession session, String command) {
    try {
      return exec(session, command);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
