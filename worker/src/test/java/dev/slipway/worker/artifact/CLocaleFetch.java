package dev.slipway.worker.artifact;

import dev.slipway.platform.artifact.DirectoryArtifactStore;
import dev.slipway.worker.ssh.HostConnection;
import dev.slipway.worker.ssh.PinnedHostKeys;
import dev.slipway.worker.ssh.SshConfig;
import dev.slipway.worker.ssh.SshConnections;
import dev.slipway.worker.ssh.TransferRefused;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * An upload as a runner makes it, for {@link ArtifactTransfersContract} to run in a JVM of its own
 * under the C locale (no {@code LANG}, as in many containers), where Java's file names are ASCII.
 * Arguments: port, host key line, private key file, base, path, store directory, scratch directory,
 * result file. Writes {@code jnu=<sun.jnu.encoding>} and then what came of it ({@code stored},
 * {@code refused: <message>} or the exception) to the result file, in UTF-8.
 */
public final class CLocaleFetch {

  private CLocaleFetch() {}

  public static void main(String[] args) throws Exception {
    StringBuilder result = new StringBuilder();
    result.append("jnu=").append(System.getProperty("sun.jnu.encoding")).append('\n');
    KeyPair key =
        SecurityUtils.loadKeyPairIdentities(
                null,
                NamedResource.ofName("test key"),
                new ByteArrayInputStream(Files.readAllBytes(Path.of(args[2]))),
                null)
            .iterator()
            .next();
    SshConnections connections = new SshConnections(QUICK, new PinnedHostKeys((id, k) -> k, true));
    HostConnection host =
        new HostConnection(
            "res-c-locale",
            "127.0.0.1",
            Integer.parseInt(args[0]),
            System.getProperty("user.name"),
            "cred-test",
            args[1],
            "linux");
    ArtifactCopies copies =
        new ArtifactCopies(
            connections, new DirectoryArtifactStore(Path.of(args[5])), Path.of(args[6]));
    try {
      copies.fetch(
          host, key, args[3], args[4], "bld-c-locale", "c-locale", Long.MAX_VALUE, () -> false);
      result.append("stored");
    } catch (TransferRefused e) {
      result.append("refused: ").append(e.getMessage());
    } catch (Throwable e) {
      result.append(e);
    } finally {
      connections.close();
    }
    Files.writeString(Path.of(args[7]), result, StandardCharsets.UTF_8);
    System.exit(0);
  }

  private static final SshConfig QUICK =
      new SshConfig() {
        @Override
        public Duration connectTimeout() {
          return Duration.ofSeconds(5);
        }

        @Override
        public Duration authTimeout() {
          return Duration.ofSeconds(5);
        }

        @Override
        public Duration openTimeout() {
          return Duration.ofSeconds(5);
        }

        @Override
        public boolean pinOnFirstContact() {
          return true;
        }

        @Override
        public Duration reconnectFor() {
          return Duration.ofSeconds(3);
        }

        @Override
        public Duration killGrace() {
          return Duration.ofSeconds(1);
        }

        @Override
        public String spoolDir() {
          return ".slipway/test-run";
        }
      };
}
