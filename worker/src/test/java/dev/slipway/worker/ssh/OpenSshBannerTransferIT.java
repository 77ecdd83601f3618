package dev.slipway.worker.ssh;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.slipway.stack.OpenSshHost;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transfer interface against Debian's OpenSSH sshd whose login shell prints a banner before
 * every command (and starts {@code sftp-server}, which the banner corrupts): files go over exec
 * channels. Skipped, saying why, where {@code /usr/sbin/sshd} is missing.
 */
class OpenSshBannerTransferIT extends TransferContract {

  @TempDir static Path dir;

  @BeforeAll
  static void startHost() throws Exception {
    assumeTrue(OpenSshHost.available(), OpenSshHost.UNAVAILABLE);
    start(OpenSshHost.start(dir, OpenSshHost.Option.LOGIN_BANNER), dir);
  }
}
