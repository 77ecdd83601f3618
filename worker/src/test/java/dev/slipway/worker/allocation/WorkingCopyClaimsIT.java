package dev.slipway.worker.allocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.platform.lease.LeaseRepository;
import dev.slipway.stack.RealServices;
import dev.slipway.worker.workingcopy.WorkingCopyRepository;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Claims on working-copy jobs in PostgreSQL: a stale claim is taken over once, and the worker that
 * lost it (it was thought dead) can no longer renew it, so it cannot finish the job a second time.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
class WorkingCopyClaimsIT {

  private static final long STALE = 10_000;

  @Inject WorkingCopyRepository copies;
  @Inject LeaseRepository leases;
  @Inject EntityManager entityManager;

  @Test
  void aStaleCopyClaimIsTakenOverOnceAndItsFormerHolderCannotRenewIt() {
    String copy = "wc-" + UUID.randomUUID();
    RolledBack.run(
        () -> {
          run(
              "insert into resources (id, blueprint_id, type, name, status, slots, busy_since,"
                  + " busy_by) values (?1, 'working-copy', 'working-copy', ?1, 'active', 1,"
                  + " now() - interval '1 minute', 'worker-a')",
              copy);

          List<String> byB = copies.claimStaleCopies("worker-b", STALE, 1000);
          List<String> byC = copies.claimStaleCopies("worker-c", STALE, 1000);
          run("update resources set busy_since = now() - interval '1 minute' where id = ?1", copy);
          copies.renew("worker-a", List.of(), List.of(copy));

          assertTrue(byB.contains(copy), byB.toString());
          assertFalse(byC.contains(copy), "a fresh claim is not taken over");
          assertEquals("worker-b", value("select busy_by from resources where id = ?1", copy));
          assertTrue(
              copies.claimStaleCopies("worker-c", STALE, 1000).contains(copy),
              "worker-a's renewal must not have kept worker-b's claim alive");
        });
  }

  @Test
  void aStalePreparationIsTakenOverAndOnlyItsNewHolderRenewsIt() {
    String lease = "lease-" + UUID.randomUUID();
    RolledBack.run(
        () -> {
          run(
              "insert into leases (id, type, status, preparing_since, preparing_by) values (?1,"
                  + " 'working-copy', 'acquired', now() - interval '1 minute', 'worker-a')",
              lease);

          assertTrue(copies.claimStalePreparations("worker-b", STALE, 1000).contains(lease));
          run(
              "update leases set preparing_since = now() - interval '1 minute' where id = ?1",
              lease);
          copies.renew("worker-b", List.of(lease), List.of());

          assertEquals("worker-b", value("select preparing_by from leases where id = ?1", lease));
          assertFalse(
              copies.claimStalePreparations("worker-c", STALE, 1000).contains(lease),
              "worker-b renewed its claim");
        });
  }

  @Test
  void aWorkingCopysWaitCountsFromItsHostLeasesActivationNotWhileThatWaits() {
    String host = "lease-" + UUID.randomUUID();
    String copy = "lease-" + UUID.randomUUID();
    RolledBack.run(
        () -> {
          run(
              "insert into leases (id, type, status, created_at, updated_at) values (?1, 'host',"
                  + " 'pending', now() - interval '1 hour', now() - interval '1 hour')",
              host);
          run(
              "insert into leases (id, type, status, wait_timeout_ms, host_lease_id, created_at)"
                  + " values (?1, 'working-copy', 'pending', 1000, ?2, now() - interval '1 hour')",
              copy,
              host);
          assertFalse(timedOut().contains(copy), "its host lease still waits: so does the copy");
          run("update leases set status = 'acquired' where id = ?1", host);
          assertFalse(timedOut().contains(copy), "its host is still being made");
          run("update leases set status = 'active', updated_at = now() where id = ?1", host);
          assertFalse(timedOut().contains(copy), "its host lease has just become active");
          run("update leases set updated_at = now() - interval '1 minute' where id = ?1", host);
          assertTrue(timedOut().contains(copy), "1 s after its host lease became active");
        });
  }

  private List<String> timedOut() {
    return leases.timedOut(60_000, 10_000);
  }

  private void run(String statement, String... parameters) {
    var query = entityManager.createNativeQuery(statement);
    for (int i = 0; i < parameters.length; i++) {
      query.setParameter(i + 1, parameters[i]);
    }
    query.executeUpdate();
  }

  private Object value(String query, String id) {
    return entityManager.createNativeQuery(query).setParameter(1, id).getSingleResult();
  }
}
