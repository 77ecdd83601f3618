package dev.slipway.platform.lease;

import dev.slipway.common.status.LeaseStatus;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Lease group queries. */
@ApplicationScoped
public class LeaseGroupRepository implements PanacheRepositoryBase<LeaseGroup, String> {

  /** Loads a group and locks its row until the transaction ends. */
  @Transactional(Transactional.TxType.MANDATORY)
  public Optional<LeaseGroup> lock(String id) {
    return findByIdOptional(id, LockModeType.PESSIMISTIC_WRITE);
  }

  /** The members of group {@code id}, in the order they were asked for. No locks. */
  public List<Lease> members(String id) {
    return getEntityManager()
        .createQuery("from Lease where groupId = ?1 order by seq", Lease.class)
        .setParameter(1, id)
        .getResultList();
  }

  /** The members of group {@code id}, in the order they were asked for, locked and read afresh. */
  @Transactional(Transactional.TxType.MANDATORY)
  public List<Lease> lockMembers(String id) {
    List<Lease> members =
        getEntityManager()
            .createQuery("from Lease where groupId = ?1 order by seq", Lease.class)
            .setParameter(1, id)
            .setLockMode(LockModeType.PESSIMISTIC_WRITE)
            .getResultList();
    members.forEach(getEntityManager()::refresh);
    return members;
  }

  /**
   * The waiting members of the groups whose oldest waiting member was asked for before {@code
   * cutoff} (the groups that have priority over newer leases). No locks.
   */
  public List<Lease> waitingSince(Instant cutoff) {
    return getEntityManager()
        .createQuery(
            "from Lease l where l.status = ?1 and l.groupId in (select m.groupId from Lease m"
                + " where m.status = ?1 and m.groupId is not null group by m.groupId"
                + " having min(m.createdAt) < ?2) order by l.seq",
            Lease.class)
        .setParameter(1, LeaseStatus.PENDING)
        .setParameter(2, cutoff)
        .getResultList();
  }
}
