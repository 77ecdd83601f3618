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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.util.security.SecurityUtils;

/** Looks up how to reach a host resource, its key, and pins host keys on first contact. */
@ApplicationScoped
public class HostDirectory {

  @Inject ResourceRepository resources;
  @Inject CredentialStore credentials;

  /**
   * How to reach a host and its credential's secrets, as read from the database: {@link
   * #login(Reach)} turns it into a key pair outside any transaction.
   */
  public record Reach(HostConnection host, String pem, String passphrase) {
    @Override
    public String toString() {
      return "Reach[" + host.describe() + "]";
    }
  }

  /** How to log in to a host, and the secret values its output must never show. */
  public record Login(HostConnection host, KeyPair keyPair, List<String> secrets) {
    @Override
    public String toString() {
      return "Login[" + host.describe() + "]";
    }
  }

  /** Reads how to reach {@code host} in the caller's transaction (one read with the caller's). */
  public Reach reach(Resource host) {
    HostConnection connection =
        new HostConnection(
            host.id,
            host.address,
            host.port,
            host.username,
            host.credentialId,
            host.hostKey,
            host.attributes.getOrDefault("platform", "linux"));
    return new Reach(
        connection,
        credentials.reveal(host.credentialId).orElse(null),
        credentials.revealPassphrase(host.credentialId).orElse(null));
  }

  /** How to log in to host resource {@code resourceId}: read in one transaction, then parsed. */
  public Login login(String resourceId) throws SshFailure {
    return login(
        QuarkusTransaction.requiringNew().call(() -> reach(resources.findById(resourceId))));
  }

  /** Parses the private key of the host's credential (decrypted by {@link #reach(Resource)}). */
  public Login login(Reach reach) throws SshFailure {
    HostConnection host = reach.host();
    String pem = reach.pem();
    if (pem == null) {
      throw new SshFailure(
          SshFailure.Kind.CREDENTIAL_MISSING, "credential " + host.credentialId(), null);
    }
    List<String> secrets = new ArrayList<>();
    secrets.add(pem);
    if (reach.passphrase() != null) {
      secrets.add(reach.passphrase());
    }
    return new Login(host, parsed.get(new KeyText(pem, reach.passphrase()), host), secrets);
  }

  /**
   * A credential's key as stored: parsed keys are cached under it, so a credential that is edited
   * is parsed anew, and nothing is cached under a credential's id alone.
   */
  record KeyText(String pem, String passphrase) {
    @Override
    public String toString() {
      return "KeyText[hidden]";
    }
  }

  /**
   * Parsed private keys, the most recently used {@link #PARSED_KEYS}: parsing a key took ~10 % of a
   * runner's CPU when it was done for every command.
   */
  private final ParsedKeys parsed = new ParsedKeys();

  static final int PARSED_KEYS = 64;

  final class ParsedKeys {
    private final Map<KeyText, KeyPair> recent =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<KeyText, KeyPair> eldest) {
            return size() > PARSED_KEYS;
          }
        };

    KeyPair get(KeyText text, HostConnection host) throws SshFailure {
      synchronized (recent) {
        KeyPair known = recent.get(text);
        if (known != null) {
          return known;
        }
      }
      KeyPair key = parse(text, host);
      synchronized (recent) {
        recent.put(text, key);
      }
      return key;
    }
  }

  private static KeyPair parse(KeyText text, HostConnection host) throws SshFailure {
    try {
      Iterator<KeyPair> keys =
          SecurityUtils.loadKeyPairIdentities(
                  null,
                  NamedResource.ofName("credential " + host.credentialId()),
                  new ByteArrayInputStream(text.pem().getBytes(StandardCharsets.UTF_8)),
                  text.passphrase() == null ? null : FilePasswordProvider.of(text.passphrase()))
              .iterator();
      if (!keys.hasNext()) {
        throw new SshFailure(
            SshFailure.Kind.CREDENTIAL_MISSING,
            "credential " + host.credentialId() + " is empty",
            null);
      }
      return keys.next();
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
    return QuarkusTransaction.requiringNew().call(() -> resources.pinHostKey(resourceId, hostKey));
  }
}
