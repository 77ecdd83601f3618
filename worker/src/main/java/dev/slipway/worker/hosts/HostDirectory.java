package dev.slipway.worker.hosts;

import dev.slipway.platform.resource.Resource;
import dev.slipway.platform.resource.ResourceRepository;
import dev.slipway.platform.secrets.CredentialStore;
import dev.slipway.worker.ssh.HostConnection;
import dev.slipway.worker.ssh.SshFailure;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.util.security.SecurityUtils;

/** Looks up how to reach a host resource, its key, and pins host keys on first contact. */
@ApplicationScoped
public class HostDirectory {

  @Inject ResourceRepository resources;
  @Inject CredentialStore credentials;

  public HostConnection connection(String resourceId) {
    return QuarkusTransaction.requiringNew()
        .call(
            () -> {
              Resource r = resources.findById(resourceId);
              return new HostConnection(
                  r.id,
                  r.address,
                  r.port,
                  r.username,
                  r.credentialId,
                  r.hostKey,
                  r.attributes.getOrDefault("platform", "linux"));
            });
  }

  /** How to log in to a host, and the secret values its output must never show. */
  public record Login(KeyPair keyPair, List<String> secrets) {}

  /** Decrypts and parses the private key of the host's credential. */
  public Login login(HostConnection host) throws SshFailure {
    String[] secret =
        QuarkusTransaction.requiringNew()
            .call(
                () ->
                    new String[] {
                      credentials.reveal(host.credentialId()).orElse(null),
                      credentials.revealPassphrase(host.credentialId()).orElse(null)
                    });
    String pem = secret[0];
    if (pem == null) {
      throw new SshFailure(
          SshFailure.Kind.CREDENTIAL_MISSING, "credential " + host.credentialId(), null);
    }
    try {
      Iterator<KeyPair> keys =
          SecurityUtils.loadKeyPairIdentities(
                  null,
                  NamedResource.ofName("credential " + host.credentialId()),
                  new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)),
                  secret[1] == null ? null : FilePasswordProvider.of(secret[1]))
              .iterator();
      if (!keys.hasNext()) {
        throw new SshFailure(
            SshFailure.Kind.CREDENTIAL_MISSING,
            "credential " + host.credentialId() + " is empty",
            null);
      }
      List<String> secrets = new ArrayList<>();
      secrets.add(pem);
      if (secret[1] != null) {
        secrets.add(secret[1]);
      }
      return new Login(keys.next(), secrets);
    } catch (SshFailure e) {
      throw e;
    } catch (Exception e) {
      throw new SshFailure(
          SshFailure.Kind.CREDENTIAL_MISSING,
          "credential "
              + host.credentialId()
              + " is not a readable private key (or its passphrase is wrong or missing)",
          e);
    }
  }

  /** Pins {@code hostKey} unless a key is already pinned; returns the pinned key. */
  public String pin(String resourceId, String hostKey) {
    return QuarkusTransaction.requiringNew()
        .call(
            () -> {
              resources
                  .getEntityManager()
                  .createNativeQuery(
                      "update resources set host_key = ?2, updated_at = now()"
                          + " where id = ?1 and host_key is null")
                  .setParameter(1, resourceId)
                  .setParameter(2, hostKey)
                  .executeUpdate();
              return (String)
                  resources
                      .getEntityManager()
                      .createNativeQuery("select host_key from resources where id = ?1")
                      .setParameter(1, resourceId)
                      .getSingleResult();
            });
  }
}
