package dev.slipway.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.slipway.stack.TestSshClient.Result;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshException;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpenSshHostIT {

  @TempDir static Path workDir;
  private static OpenSshHost host;
  private static TestSshClient client;

  @BeforeAll
  static void start() throws IOException {
    assumeTrue(OpenSshHost.available(), OpenSshHost.UNAVAILABLE);
    host = OpenSshHost.start(workDir);
    client = TestSshClient.start(host);
  }

  @AfterAll
  static void stop() throws IOException {
    if (client != null) {
      client.close();
    }
    if (host != null) {
      host.close();
    }
  }

  @Test
  void execWiresStdoutStderrAndExitStatus() throws Exception {
    try (ClientSession session = client.login(host.clientPrivateKeyPem())) {
      Result result = TestSshClient.exec(session, "echo hello; echo err >&2; exit 3");

      assertEquals("hello\n", result.stdout());
      assertEquals("err\n", result.stderr());
      assertEquals(3, result.exitStatus());
      assertEquals(host.hostPublicKey(), PublicKeyEntry.toString(client.seenHostKey()));
      assertTrue(host.hostPublicKey().startsWith("ssh-ed25519 AAAA"), host.hostPublicKey());
    }
  }

  @Test
  void unknownKeyIsRejected() {
    assertThrows(
        SshException.class, () -> client.login(SshTestHost.generatePrivateKeyPem()).close());
  }
}
