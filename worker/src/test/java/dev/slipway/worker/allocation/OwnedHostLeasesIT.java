package dev.slipway.worker.allocation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.slipway.common.status.LeaseStatus;
import dev.slipway.platform.lease.Lease;
import dev.slipway.platform.lease.LeaseRepository;
import dev.slipway.platform.lease.Leases;
import dev.slipway.platform.outbox.Outbox;
import dev.slipway.stack.RealServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A working-copy lease and the host lease it opened for itself end together, whatever path ends one
 * of them ({@link Leases#move}). Each case runs in one transaction that is rolled back, so the
 * allocators running beside the test never see its rows.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
class OwnedHostLeasesIT {

  @Inject Leases leases;
  @Inject LeaseRepository leaseRepository;
  @Inject EntityManager entityManager;
  @Inject Outbox outbox;

  @Test
  void aCopyThatFailsAsksForTheReleaseOfTheHostLeaseItOpened() {
    String host = "lease-" + UUID.randomUUID();
    String copy = "lease-" + UUID.randomUUID();
    RolledBack.run(
        () -> {
          insertPair(host, copy, true);
          leases.move(leaseRepository.lock(copy).orElseThrow(), LeaseStatus.FAILED, "gave up");
          assertEquals(1L, releasesAskedFor(host));
        });
  }

  @Test
  void aCopyOnSomeoneElsesHostLeaseLeavesItAlone() {
    String host = "lease-" + UUID.randomUUID();
    String copy = "lease-" + UUID.randomUUID();
    RolledBack.run(
        () -> {
          insertPair(host, copy, false);
          leases.move(leaseRepository.lock(copy).orElseThrow(), LeaseStatus.FAILED, "gave up");
          assertEquals(0L, releasesAskedFor(host), "a build's host step still holds it");
        });
  }

  @Test
  void aHostLeaseThatFailsFailsTheCopyWaitingOnItAndIsNotReleasedAgain() {
    String host = "lease-" + UUID.randomUUID();
    String copy = "lease-" + UUID.randomUUID();
    RolledBack.run(
        () -> {
          insertPair(host, copy, true);
          leases.move(
              leaseRepository.lock(host).orElseThrow(), LeaseStatus.FAILED, "nothing offers it");
          Lease failed = leaseRepository.findById(copy);
          assertEquals(LeaseStatus.FAILED, failed.status);
          assertEquals("its host lease " + host + " is failed: nothing offers it", failed.reason);
          assertEquals(0L, releasesAskedFor(host));
        });
  }

  private void insertPair(String host, String copy, boolean owned) {
    entityManager
        .createNativeQuery("insert into leases (id, type, status) values (?1, 'host', 'pending')")
        .setParameter(1, host)
        .executeUpdate();
    entityManager
        .createNativeQuery(
            "insert into leases (id, type, status, host_lease_id, owns_host_lease)"
                + " values (?1, 'working-copy', 'pending', ?2, ?3)")
        .setParameter(1, copy)
        .setParameter(2, host)
        .setParameter(3, owned)
        .executeUpdate();
  }

  private long releasesAskedFor(String lease) {
    return outbox.publishedWith(lease).stream()
        .filter(payload -> payload.contains("lease.release-requested"))
        .count();
  }
}
