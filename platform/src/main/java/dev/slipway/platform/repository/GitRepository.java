package dev.slipway.platform.repository;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import org.hibernate.annotations.Generated;

/**
 * A repository registered with the credential git needs to clone it: an SSH deploy key ({@code
 * ssh-private-key}) or an HTTPS token ({@code https-token}, with {@code httpsUser}). The secret is
 * in {@code credentials}, encrypted; only its id is here.
 */
@Entity
@Table(name = "repositories")
public class GitRepository {

  @Id public String id;

  public String uri;

  @Column(name = "credential_id")
  public String credentialId;

  @Column(name = "https_user")
  public String httpsUser;

  /** The SSH host key its server must present (an OpenSSH public key line), or null. */
  @Column(name = "ssh_host_key")
  public String sshHostKey;

  /** The database's clock at insert, read back by the insert itself (an API answer shows it). */
  @Generated
  @Column(name = "created_at", insertable = false, updatable = false)
  public Instant createdAt;

  @Column(name = "updated_at")
  public Instant updatedAt;

  /** Who created it ({@code token:<name>}, {@code jwt:<subject>}; see the API's Caller). */
  @Column(name = "created_by")
  public String createdBy;

  /** Who changed it last, or null. */
  @Column(name = "updated_by")
  public String updatedBy;
}
