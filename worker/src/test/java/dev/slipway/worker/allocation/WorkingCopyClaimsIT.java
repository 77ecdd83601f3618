package dev.slipway.worker.allocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.stack.RealServices;
import dev.slipway.worker.workingcopy.WorkingCopyRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
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
  @Inject EntityManager entityManager;

  @Test
  void aStaleCopyClaimIsTakenOverOnceAndItsFormerHolderCannotRenewIt() {
    String copy = "wc-" + UUID.randomUUID();
    sql(
        "insert into resources (id, blueprint_id, type, name, status, slots, busy_since, busy_by)"
            + " values (?1, 'working-copy', 'working-copy', ?1, 'active', 1,"
            + " now() - interval '1 minute', 'worker-a')",
        copy);

    List<String> byB = tx(() -> copies.claimStaleCopies("worker-b", STALE, 1000));
    List<String> byC = tx(() -> copies.claimStaleCopies("worker-c", STALE, 1000));
    sql("update resources set busy_since = now() - interval '1 minute' where id = ?1", copy);
    QuarkusTransaction.requiringNew().run(() -> copies.renew("worker-a", List.of(), List.of(copy)));

    assertTrue(byB.contains(copy), byB.toString());
    assertFalse(byC.contains(copy), "a fresh claim is not taken over");
    assertEquals("worker-b", value("select busy_by from resources where id = ?1", copy));
    assertTrue(
        tx(() -> copies.claimStaleCopies("worker-c", STALE, 1000)).contains(copy),
        "worker-a's renewal must not have kept worker-b's claim alive");
  }

  @Test
  void aStalePreparationIsTakenOverAndOnlyItsNewHolderRenewsIt() {
    String lease = "lease-" + UUID.randomUUID();
    sql(
        "insert into leases (id, type, status, preparing_since, preparing_by)"
            + " values (?1, 'working-copy', 'acquired', now() - interval '1 minute', 'worker-a')",
        lease);

    assertTrue(tx(() -> copies.claimStalePreparations("worker-b", STALE, 1000)).contains(lease));
    sql("update leases set preparing_since = now() - interval '1 minute' where id = ?1", lease);
    QuarkusTransaction.requiringNew()
        .run(() -> copies.renew("worker-b", List.of(lease), List.of()));

    assertEquals("worker-b", value("select preparing_by from leases where id = ?1", lease));
    assertFalse(
        tx(() -> copies.claimStalePreparations("worker-c", STALE, 1000)).contains(lease),
        "worker-b renewed its claim");
  }

  private static <T> T tx(java.util.concurrent.Callable<T> work) {
    return QuarkusTransaction.requiringNew().call(work);
  }

  private void sql(String statement, String id) {
    QuarkusTransaction.requiringNew()
        .run(() -> entityManager.createNativeQuery(statement).setParameter(1, id).executeUpdate());
  }

  private Object value(String query, String id) {
    return QuarkusTransaction.requiringNew()
        .call(() -> entityManager.createNativeQuery(query).setParameter(1, id).getSingleResult());
  }
}
