package dev.slipway.worker.allocation;

import dev.slipway.common.attributes.Attributes;
import dev.slipway.common.status.LeaseStatus;
import dev.slipway.platform.lease.Lease;
import dev.slipway.platform.lease.LeaseRepository;
import dev.slipway.platform.lease.Leases;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Satisfies and releases leases. Order: a free slot on an existing resource, else wait; a lease
 * that no blueprint could ever serve fails at once with a reason naming what was asked. A waiting
 * lease is retried when a slot frees (see {@link #retryPending}), not by polling.
 */
@ApplicationScoped
public class Allocator {

  private static final Logger LOG = Logger.getLogger(Allocator.class);
  private static final int RETRY_BATCH = 100;

  @Inject @Any Instance<Blueprint> blueprints;
  @Inject LeaseRepository leaseRepository;
  @Inject Leases leases;

  /** Tries to satisfy pending lease {@code leaseId}; returns whether it is now active. */
  @Transactional(Transactional.TxType.MANDATORY)
  public boolean allocate(String leaseId) {
    Optional<Lease> found = leaseRepository.lock(leaseId);
    if (found.isEmpty() || found.get().status != LeaseStatus.PENDING) {
      return false;
    }
    Lease lease = found.get();
    List<Blueprint> fitting =
        blueprints.stream()
            .filter(b -> b.type().equals(lease.type))
            .filter(b -> b.couldEverServe(lease))
            .toList();
    if (fitting.isEmpty()) {
      leases.move(lease, LeaseStatus.FAILED, "no blueprint offers " + wanted(lease));
      return false;
    }
    for (Blueprint blueprint : fitting) {
      Optional<String> resource = blueprint.allocate(lease);
      if (resource.isPresent()) {
        lease.resourceId = resource.get();
        leases.move(lease, LeaseStatus.ACQUIRED, null);
        blueprint.activate(lease);
        leases.move(lease, LeaseStatus.ACTIVE, null);
        return true;
      }
    }
    LOG.debugf("lease %s waits for %s", lease.id, wanted(lease));
    return false;
  }

  /**
   * Releases lease {@code leaseId}: frees its slot, or fails it if it was still waiting.
   *
   * @return the type of resource whose slot was freed, if one was
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public Optional<String> release(String leaseId, String reason) {
    Optional<Lease> found = leaseRepository.lock(leaseId);
    if (found.isEmpty()) {
      LOG.warnf("release of unknown lease %s ignored", leaseId);
      return Optional.empty();
    }
    Lease lease = found.get();
    if (lease.status == LeaseStatus.PENDING) {
      leases.move(lease, LeaseStatus.FAILED, "released before it was acquired: " + reason);
      return Optional.empty();
    }
    if (!lease.status.canRelease()) {
      return Optional.empty(); // already released, failed or broken: nothing to give back
    }
    blueprintOf(lease).release(lease);
    leases.move(lease, LeaseStatus.RELEASED, reason);
    return Optional.of(lease.type);
  }

  /** Retries waiting leases of {@code type}, oldest first, each in its own transaction. */
  public void retryPending(String type) {
    List<String> waiting =
        QuarkusTransaction.requiringNew()
            .call(
                () -> leaseRepository.pending(type, RETRY_BATCH).stream().map(l -> l.id).toList());
    for (String id : waiting) {
      QuarkusTransaction.requiringNew().call(() -> allocate(id));
    }
  }

  private Blueprint blueprintOf(Lease lease) {
    return blueprints.stream()
        .filter(b -> b.type().equals(lease.type))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no blueprint for type " + lease.type));
  }

  private static String wanted(Lease lease) {
    String what = lease.type + " with " + Attributes.describe(lease.attributes);
    return lease.pinnedResourceId == null ? what : what + " on " + lease.pinnedResourceId;
  }
}
