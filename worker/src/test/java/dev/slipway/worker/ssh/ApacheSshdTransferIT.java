package dev.slipway.worker.ssh;

import dev.slipway.stack.SshTestHost;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The transfer interface against Apache SSHD's SFTP in this JVM. */
class ApacheSshdTransferIT extends TransferContract {

  @TempDir static Path dir;

  @BeforeAll
  static void startHost() throws Exception {
    start(SshTestHost.start(dir), dir);
  }
}
