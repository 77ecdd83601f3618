package dev.slipway.platform.lease;

import dev.slipway.common.status.LeaseStatus;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.util.List;
import java.util.Optional;

/** Lease queries. */
@ApplicationScoped
public class LeaseRepository implements PanacheRepositoryBase<Lease, String> {

  /** Loads a lease and locks its row until the transaction ends. */
  public Optional<Lease> lock(String id) {
    return findByIdOptional(id, LockModeType.PESSIMISTIC_WRITE);
  }

  /** Pending leases of a type, first come first served. */
  public List<Lease> pending(String type, int limit) {
    return find("status = ?1 and type = ?2 order by seq", LeaseStatus.PENDING, type)
        .page(0, limit)
        .list();
  }

  /** Leases of {@code owner} that still hold or wait for a slot. */
  public List<Lease> unfinishedOf(String owner) {
    return find(
            "owner = ?1 and status in ?2",
            owner,
            List.of(LeaseStatus.PENDING, LeaseStatus.ACQUIRED, LeaseStatus.ACTIVE))
        .list();
  }
}
