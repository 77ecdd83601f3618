package dev.slipway.worker.artifact;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.slipway.stack.OpenSshHost;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * Artifact transfers against Debian's OpenSSH sshd whose login shell prints a banner before every
 * command (and starts {@code sftp-server}, which the banner corrupts): uploads, downloads and globs
 * go over exec channels. Skipped, saying why, where {@code /usr/sbin/sshd} is missing.
 */
class OpenSshBannerArtifactTransfersIT extends ArtifactTransfersContract {

  @TempDir static Path dir;

  @BeforeAll
  static void startHost() throws Exception {
    assumeTrue(OpenSshHost.available(), OpenSshHost.UNAVAILABLE);
    start(OpenSshHost.start(dir, OpenSshHost.Option.LOGIN_BANNER), dir);
  }
}
