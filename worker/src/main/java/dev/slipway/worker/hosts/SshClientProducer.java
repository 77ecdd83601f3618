package dev.slipway.worker.hosts;

import dev.slipway.worker.ssh.DetachedCommands;
import dev.slipway.worker.ssh.PinnedHostKeys;
import dev.slipway.worker.ssh.SshConfig;
import dev.slipway.worker.ssh.SshConnections;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import java.io.IOException;

/** Makes the process's one SSH client. */
@ApplicationScoped
public class SshClientProducer {

  @Produces
  @ApplicationScoped
  SshConnections connections(SshConfig config, HostDirectory hosts, HostFeatures features) {
    return new SshConnections(
        config, new PinnedHostKeys(hosts::pin, config.pinOnFirstContact()), features);
  }

  @Produces
  @ApplicationScoped
  DetachedCommands detached(SshConnections connections, SshConfig config) {
    return new DetachedCommands(connections, config);
  }

  void close(@Disposes SshConnections connections) throws IOException {
    connections.close();
  }
}
