package dev.slipway.platform.secrets;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * An encrypted secret: an SSH private key (a host's login, or a repository's deploy key) or an
 * HTTPS token of a repository. Only its id ever leaves the database.
 */
@Entity
@Table(name = "credentials")
public class Credential {

  public static final String SSH_PRIVATE_KEY = "ssh-private-key";
  public static final String HTTPS_TOKEN = "https-token";

  @Id public String id;

  public String kind;

  @Column(name = "ciphertext")
  public byte[] ciphertext;

  /** The encrypted passphrase of a protected private key, or null. */
  @Column(name = "passphrase")
  public byte[] passphrase;

  /**
   * A shared credential (made by an admin with {@code POST /api/v1/credentials}) may be named by
   * any host; any other serves only the host or repository it was created with.
   */
  public boolean shared;

  /** The name of a shared credential; null for the others. */
  public String name;

  @Column(name = "created_by")
  public String createdBy;

  @Column(name = "created_at", insertable = false, updatable = false)
  public Instant createdAt;

  @Override
  public String toString() {
    return "Credential[" + id + ", " + kind + "]";
  }
}
