package dev.slipway.worker.artifact;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.slipway.stack.OpenSshHost;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * Artifact transfers against Debian's OpenSSH ({@code internal-sftp}). Skipped, saying why, where
 * {@code /usr/sbin/sshd} is missing ({@code .ci/run} installs it).
 */
class OpenSshArtifactTransfersIT extends ArtifactTransfersContract {

  @TempDir static Path dir;

  @BeforeAll
  static void startHost() throws Exception {
    assumeTrue(OpenSshHost.available(), OpenSshHost.UNAVAILABLE);
    start(OpenSshHost.start(dir), dir);
  }
}
