package dev.slipway.platform.secrets;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Stores and reads credentials, encrypting them on the way in. */
@ApplicationScoped
public class CredentialStore implements PanacheRepositoryBase<Credential, String> {

  @Inject SecretBox box;

  @Transactional(Transactional.TxType.MANDATORY)
  public String save(String kind, String secret) {
    return save(kind, secret, null);
  }

  /**
   * Saves {@code secret} and its {@code passphrase} (may be null), both encrypted, for the one host
   * or repository that is being created with it.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public String save(String kind, String secret, String passphrase) {
    return persist(kind, secret, passphrase).id;
  }

  /** Saves a shared credential: any host may name it by id. */
  @Transactional(Transactional.TxType.MANDATORY)
  public Credential saveShared(
      String name, String kind, String secret, String passphrase, String createdBy) {
    Credential credential = persist(kind, secret, passphrase);
    credential.shared = true;
    credential.name = name;
    credential.createdBy = createdBy;
    return credential;
  }

  private Credential persist(String kind, String secret, String passphrase) {
    Credential credential = new Credential();
    credential.id = "cred-" + UUID.randomUUID();
    credential.kind = kind;
    credential.ciphertext = box.seal(secret.getBytes(StandardCharsets.UTF_8));
    if (passphrase != null) {
      credential.passphrase = box.seal(passphrase.getBytes(StandardCharsets.UTF_8));
    }
    persist(credential);
    return credential;
  }

  /** What {@link #resealStale} did: how many it re-sealed, and those no known key opens. */
  public record Resealed(int resealed, List<String> unreadable) {}

  /**
   * Re-seals every credential not sealed with the current master key (after a key rotation, or
   * sealed before keys had ids), so that the previous keys can be dropped. A credential that no
   * configured key opens is left as it is and named in the answer.
   */
  @Transactional
  public Resealed resealStale() {
    int resealed = 0;
    List<String> unreadable = new ArrayList<>();
    for (Credential c : listAll()) {
      boolean stale =
          !box.isCurrent(c.ciphertext) || (c.passphrase != null && !box.isCurrent(c.passphrase));
      if (!stale) {
        continue;
      }
      try {
        byte[] ciphertext = box.seal(box.open(c.ciphertext));
        byte[] passphrase = c.passphrase == null ? null : box.seal(box.open(c.passphrase));
        c.ciphertext = ciphertext;
        c.passphrase = passphrase;
        resealed++;
      } catch (IllegalStateException e) {
        unreadable.add(c.id);
      }
    }
    return new Resealed(resealed, unreadable);
  }

  /** The decrypted secret of credential {@code id}, if it exists. */
  public Optional<String> reveal(String id) {
    return findByIdOptional(id)
        .map(c -> new String(box.open(c.ciphertext), StandardCharsets.UTF_8));
  }

  /** The decrypted passphrase of credential {@code id}, if it has one. */
  public Optional<String> revealPassphrase(String id) {
    return findByIdOptional(id)
        .filter(c -> c.passphrase != null)
        .map(c -> new String(box.open(c.passphrase), StandardCharsets.UTF_8));
  }
}
