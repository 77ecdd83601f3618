package dev.slipway.worker.hosts;

import dev.slipway.platform.resource.ResourceRepository;
import dev.slipway.worker.ssh.HostConnection;
import dev.slipway.worker.ssh.SshFeatures;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Records on a host's row what its SSH server was found to offer ({@link SshFeatures}), for the
 * host view: an observation, so neither the row's version nor its {@code updated_at} moves.
 */
@ApplicationScoped
public class HostFeatures implements SshFeatures.Listener {

  @Inject ResourceRepository resources;

  @Override
  public void detected(HostConnection host, SshFeatures features) {
    QuarkusTransaction.requiringNew()
        .run(
            () ->
                resources
                    .getEntityManager()
                    .createNativeQuery(
                        "update resources set sftp = ?2, login_banner = ?3,"
                            + " ssh_detected_at = now() where id = ?1 and type = 'host'")
                    .setParameter(1, host.resourceId())
                    .setParameter(2, features.sftp())
                    .setParameter(3, features.loginBanner())
                    .executeUpdate());
  }
}
