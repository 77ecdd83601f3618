package dev.slipway.platform.lease;

import dev.slipway.common.status.LeaseStatus;
import dev.slipway.platform.resource.StatusConverters;
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
import org.hibernate.annotations.Generated;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * A claim on one slot of a resource, by an owner (a build). Changed only via {@link Leases}.
 *
 * <p>Optimistically locked: a change written through the entity names only the columns it changes
 * and fails ({@link jakarta.persistence.OptimisticLockException}) when {@link #version} moved since
 * it was read (allocators lock the row first, so they never lose that race). Claims of a worker
 * preparing it ({@code preparing_since}, {@code preparing_by}) are compare-and-set statements of
 * their own and leave {@link #version} alone.
 */
@Entity
@Table(name = "leases")
@DynamicUpdate
public class Lease {

  @Id public String id;

  /** Moves with every change written through the entity. */
  @Version public long version;

  @Column(insertable = false, updatable = false)
  public Long seq;

  public String type;

  @JdbcTypeCode(SqlTypes.JSON)
  public Map<String, String> attributes = new HashMap<>();

  @Column(name = "pinned_resource_id")
  public String pinnedResourceId;

  @Column(name = "resource_id")
  public String resourceId;

  public String owner;

  @Convert(converter = StatusConverters.LeaseStatusConverter.class)
  public LeaseStatus status;

  public String reason;

  /** How long the lease may wait for a slot; null: the allocators' default. */
  @Column(name = "wait_timeout_ms")
  public Long waitTimeoutMs;

  /** When set, the owner must heartbeat within this time or the lease is released. */
  @Column(name = "heartbeat_timeout_ms")
  public Long heartbeatTimeoutMs;

  /** When an unrenewed lease with a heartbeat is released. */
  @Column(name = "expires_at")
  public Instant expiresAt;

  /** A working-copy lease: the repository, and the ref (commit id, branch or tag) asked for. */
  public String repository;

  public String ref;

  /** A working-copy lease: the commit its directory was verified to hold. */
  @Column(name = "commit_id")
  public String commit;

  /** A working-copy lease: the host lease it sits on. */
  @Column(name = "host_lease_id")
  public String hostLeaseId;

  /** Whether {@link #hostLeaseId} was taken for this lease (and is released with it). */
  @Column(name = "owns_host_lease")
  public boolean ownsHostLease;

  /** The lease group it is a member of ({@link LeaseGroup}); null: a lease of its own. */
  @Column(name = "group_id")
  public String groupId;

  /** The host its commands run on, once it is active ({@link CommandTarget}). */
  @Column(name = "command_host_id")
  public String commandHostId;

  /** The directory its commands run in, once it is active; null: the SSH user's home. */
  @Column(name = "command_directory")
  public String commandDirectory;

  /**
   * The log (of its build step) that what preparing this lease printed goes to (git's progress).
   */
  @Column(name = "log_id")
  public String logId;

  /** Set while a worker prepares this acquired lease, renewed while it works. */
  @Column(name = "preparing_since")
  public Instant preparingSince;

  /** The worker that prepares it (holds the claim). */
  @Column(name = "preparing_by")
  public String preparingBy;

  /** Why the lease was released while it was still being prepared. */
  @Column(name = "release_reason")
  public String releaseReason;

  /** The database's clock at insert, read back by the insert itself (an API answer shows it). */
  @Generated
  @Column(name = "created_at", insertable = false, updatable = false)
  public Instant createdAt;

  @Column(name = "updated_at")
  public Instant updatedAt;
}
