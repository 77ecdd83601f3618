package dev.slipway.worker.hosts;

import dev.slipway.worker.runner.SpoolSweeper;
import dev.slipway.worker.ssh.DetachedCommands;
import dev.slipway.worker.ssh.PinnedHostKeys;
import dev.slipway.worker.ssh.SshConfig;
import dev.slipway.worker.ssh.SshConnections;
import dev.slipway.worker.ssh.WindowsCommands;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import java.io.IOException;

/**
 * Makes the process's one SSH client; each new connection records what the host offers and may
 * start a sweep of its spools ({@link SpoolSweeper}).
 */
@ApplicationScoped
public class SshClientProducer {

  @Produces
  @ApplicationScoped
  SshConnections connections(
      SshConfig config, HostDirectory hosts, HostFeatures features, SpoolSweeper spools) {
    return new SshConnections(
        config,
        new PinnedHostKeys(hosts::pin, config.pinOnFirstContact()),
        (host, found) -> {
          try {
            features.detected(host, found);
          } finally {
            spools.connected(host);
          }
        });
  }

  @Produces
  @ApplicationScoped
  DetachedCommands detached(SshConnections connections, SshConfig config) {
    return new DetachedCommands(connections, config);
  }

  @Produces
  @ApplicationScoped
  WindowsCommands windows(SshConnections connections, SshConfig config) {
    return new WindowsCommands(connections, config);
  }

  void close(@Disposes SshConnections connections) throws IOException {
    connections.close();
  }
}
