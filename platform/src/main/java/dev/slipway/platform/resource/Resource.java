package dev.slipway.platform.resource;

import dev.slipway.common.status.ResourceStatus;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.hibernate.annotations.DynamicUpdate;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * Something a blueprint made or an operator registered that builds can lease: a host (with its SSH
 * connection) or a working copy (a directory on a host holding one repository's checkout). {@code
 * leasesHeld} never exceeds {@code slots}: the database enforces it and {@link
 * ResourceRepository#reserveSlot} is the only way up.
 *
 * <p>Optimistically locked: a change written through the entity names only the columns it changes
 * and fails ({@link jakarta.persistence.OptimisticLockException}) when {@link #version} moved since
 * it was read. The statements that change what a row means without the entity (its slots, the host
 * key pinned on first contact) bump {@link #version} too; slot counters and working-copy claims do
 * not, as the entity never writes them.
 */
@Entity
@Table(name = "resources")
@DynamicUpdate
public class Resource {

  public static final String TYPE_HOST = "host";
  public static final String TYPE_WORKING_COPY = "working-copy";

  @Id public String id;

  /** Moves with every change of what the row means; see the class comment. */
  @Version public long version;

  @Column(name = "blueprint_id")
  public String blueprintId;

  public String type;
  public String name;

  @Convert(converter = StatusConverters.ResourceStatusConverter.class)
  public ResourceStatus status;

  @JdbcTypeCode(SqlTypes.JSON)
  public Map<String, String> attributes = new HashMap<>();

  public int slots;

  @Column(name = "leases_held", insertable = false, updatable = false)
  public int leasesHeld;

  public boolean enabled = true;

  public String address;
  public Integer port;
  public String username;

  @Column(name = "credential_id")
  public String credentialId;

  @Column(name = "host_key")
  public String hostKey;

  public String reason;

  /** A working copy's host resource. */
  @Column(name = "host_id")
  public String hostId;

  /**
   * A working copy's directory; for a host, the directory under which its working copies are kept
   * (null: the default). Relative paths are relative to the SSH user's home.
   */
  public String path;

  /** A working copy's size on disk after its last checkout. */
  @Column(name = "size_bytes")
  public Long sizeBytes;

  /** Set while a worker cleans or deletes this working copy, renewed while it works. */
  @Column(name = "busy_since")
  public Instant busySince;

  /** The worker that cleans or deletes it (holds the claim). */
  @Column(name = "busy_by")
  public String busyBy;

  /** Why the last command on this host could not run (an infrastructure failure), or null. */
  @Column(name = "suspect_reason")
  public String suspectReason;

  @Column(name = "suspect_since")
  public Instant suspectSince;

  /**
   * Whether the host's SFTP subsystem can be used, as a worker last found on connecting (null: not
   * yet contacted); written by workers only, never through the entity.
   */
  @Column(name = "sftp", insertable = false, updatable = false)
  public Boolean sftp;

  /** Whether the host's login shell prints before a command's output (as {@link #sftp}). */
  @Column(name = "login_banner", insertable = false, updatable = false)
  public Boolean loginBanner;

  /** When a worker last found out {@link #sftp} and {@link #loginBanner}. */
  @Column(name = "ssh_detected_at", insertable = false, updatable = false)
  public Instant sshDetectedAt;

  /**
   * A dynamic host's idempotency token: given to its blueprint's {@code provision}, committed with
   * the pending row before it runs, so that what a provisioning that died made is always found.
   */
  public String token;

  /** What the provider calls a dynamic host (printed by {@code provision}). */
  @Column(name = "provider_id")
  public String providerId;

  /** What {@code provision} printed for a dynamic host, given to {@code destroy}. */
  @JdbcTypeCode(SqlTypes.JSON)
  @Column(name = "provision_output")
  public Map<String, Object> provisionOutput;

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
