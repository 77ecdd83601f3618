package dev.slipway.worker.ssh;

import dev.slipway.stack.TestSshHost;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;

/**
 * Base of the tests that run against one real SSH server on this machine (so that they can look at
 * its files and processes): the server, a pooled client with pinned host keys, and the host as a
 * resource. Subclasses start the server in a {@code @BeforeAll}; both are stopped after the class.
 */
public abstract class RealSshHostTest {

  protected static Path workDir;
  protected static TestSshHost host;
  protected static SshConnections connections;

  protected static void start(TestSshHost started, Path dir) {
    workDir = dir;
    host = started;
    connections = connect();
  }

  @AfterAll
  static void stop() throws Exception {
    if (connections != null) {
      connections.close();
    }
    if (host != null) {
      host.close();
    }
  }

  /** A new client with its own pool; first-contact keys are accepted as they are. */
  protected static SshConnections connect() {
    return new SshConnections(TestSshConfig.QUICK, new PinnedHostKeys((id, key) -> key, true));
  }

  /** {@code server} as a linux host resource, its real host key pinned. */
  protected static HostConnection target(TestSshHost server, String resourceId) {
    return new HostConnection(
        resourceId,
        server.address(),
        server.port(),
        server.user(),
        "cred-test",
        server.hostPublicKey(),
        "linux");
  }
}
