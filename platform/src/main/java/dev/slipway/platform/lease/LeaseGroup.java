package dev.slipway.platform.lease;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import org.hibernate.annotations.Generated;

/**
 * Host leases asked for together ({@code lease_groups}): every member is acquired in one
 * transaction, or none is. Its members are ordinary leases whose {@link Lease#groupId} names it.
 * Changed only via {@link LeaseGroups}.
 */
@Entity
@Table(name = "lease_groups")
public class LeaseGroup {

  /** No member holds anything yet. */
  public static final String PENDING = "pending";

  /** Every member was acquired at once. */
  public static final String GRANTED = "granted";

  /** Every member failed (one could never be served, the wait timed out, one was released). */
  public static final String FAILED = "failed";

  @Id public String id;

  public String owner;

  /** {@link #PENDING}, {@link #GRANTED} or {@link #FAILED}. */
  public String status;

  public String reason;

  /** The database's clock at insert, read back by the insert itself (an API answer shows it). */
  @Generated
  @Column(name = "created_at", insertable = false, updatable = false)
  public Instant createdAt;

  @Column(name = "updated_at")
  public Instant updatedAt;
}
