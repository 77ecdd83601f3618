package dev.slipway.worker.artifact;

import dev.slipway.stack.SshTestHost;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** Artifact transfers against Apache SSHD's SFTP in this JVM. */
class ApacheSshdArtifactTransfersIT extends ArtifactTransfersContract {

  @TempDir static Path dir;

  @BeforeAll
  static void startHost() throws Exception {
    start(SshTestHost.start(dir), dir);
  }
}
