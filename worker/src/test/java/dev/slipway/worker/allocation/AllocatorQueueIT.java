package dev.slipway.worker.allocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.stack.RealServices;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The allocator's queue against a real PostgreSQL, with more waiting leases than it reads at once:
 * leases waiting for a busy host of one attribute set never starve a lease for a free host of
 * another, and each attribute set is still served oldest first.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
class AllocatorQueueIT {

  /** More than the allocator reads from its queue in one page. */
  private static final int WAITING_FOR_MAC = 501;

  @Inject Allocator allocator;
  @Inject EntityManager entityManager;

  String pool;
  String mac;
  String linux;

  @BeforeEach
  void busyMacAndFreeLinuxHost() {
    pool = "queue-" + UUID.randomUUID().toString().substring(0, 8);
    mac = host("macos", 1, 1);
    linux = host("linux", 1, 0);
    sql(
        "insert into leases (id, type, attributes, status, owner)"
            + " select 'lease-' || gen_random_uuid(), 'host',"
            + " jsonb_build_object('platform', 'macos', 'pool', ?1), 'pending', ?1"
            + " from generate_series(1, "
            + WAITING_FOR_MAC
            + ")",
        pool);
  }

  @AfterEach
  void endWhatIsLeft() {
    sql("update leases set status = 'failed' where owner = ?1 and status = 'pending'", pool);
  }

  @Test
  void aLeaseForAFreeHostIsServedBehind501LeasesWaitingForABusyOne() {
    String forLinux = lease("linux");

    drain();

    assertEquals("acquired-or-active on " + linux, state(forLinux));
    assertEquals(WAITING_FOR_MAC, pendingFor("macos"), "no mac lease got the busy mac's slot");
  }

  @Test
  void leasesOfOneAttributeSetBehindThePageAreStillServedOldestFirst() {
    String older = lease("linux");
    String newer = lease("linux");

    drain();

    assertEquals("acquired-or-active on " + linux, state(older));
    assertEquals("pending", state(newer));
  }

  @Test
  void aLeaseBehind501OthersFailsWhenNothingCanServeItAnyMore() {
    String impossible = lease("windows-never");

    QuarkusTransaction.requiringNew().run(() -> allocator.recheck("host"));

    assertEquals("failed", state(impossible));
    assertTrue(
        value("select reason from leases where id = ?1", impossible).contains("windows-never"),
        "the reason names what nothing offers");
    assertEquals(WAITING_FOR_MAC, pendingFor("macos"), "mac leases can still be served later");
  }

  @Test
  void theRequestOfALeaseAnEarlierDrainServedChangesNothing() {
    String older = lease("linux");
    String newer = lease("linux");
    QuarkusTransaction.requiringNew().run(() -> allocator.admit("host", older));
    assertEquals("acquired-or-active on " + linux, state(older));
    sql("update resources set leases_held = 0 where id = ?1", linux); // as if it were released

    // the older lease's request delivered again, or one that came after a drain served it: the
    // newer lease waits for its own request (or the release's drain), not a second drain now
    QuarkusTransaction.requiringNew().run(() -> allocator.admit("host", older));
    assertEquals("pending", state(newer));

    QuarkusTransaction.requiringNew().run(() -> allocator.admit("host", newer));
    assertEquals("acquired-or-active on " + linux, state(newer));
  }

  private void drain() {
    QuarkusTransaction.requiringNew().run(() -> allocator.drain("host"));
  }

  private String host(String platform, int slots, int held) {
    String id = "host-" + UUID.randomUUID();
    sql(
        "insert into resources (id, blueprint_id, type, name, status, attributes, slots,"
            + " leases_held) values (?1, 'static-host', 'host', ?1, 'active',"
            + " jsonb_build_object('platform', '"
            + platform
            + "', 'pool', '"
            + pool
            + "', 'preallocated', 'true'), "
            + slots
            + ", "
            + held
            + ")",
        id);
    return id;
  }

  /** A pending lease for a host of {@code platform} in the pool, newer than every other one. */
  private String lease(String platform) {
    String id = "lease-" + UUID.randomUUID();
    sql(
        "insert into leases (id, type, attributes, status, owner) values (?1, 'host',"
            + " jsonb_build_object('platform', '"
            + platform
            + "', 'pool', '"
            + pool
            + "'), 'pending', '"
            + pool
            + "')",
        id);
    return id;
  }

  private String state(String lease) {
    String status = value("select status from leases where id = ?1", lease);
    if (status.equals("acquired") || status.equals("active")) {
      return "acquired-or-active on "
          + value("select resource_id from leases where id = ?1", lease);
    }
    return status;
  }

  private long pendingFor(String platform) {
    return QuarkusTransaction.requiringNew()
        .call(
            () ->
                ((Number)
                        entityManager
                            .createNativeQuery(
                                "select count(*) from leases where owner = ?1"
                                    + " and status = 'pending' and attributes ->> 'platform' = ?2")
                            .setParameter(1, pool)
                            .setParameter(2, platform)
                            .getSingleResult())
                    .longValue());
  }

  private void sql(String statement, String parameter) {
    QuarkusTransaction.requiringNew()
        .run(
            () ->
                entityManager
                    .createNativeQuery(statement)
                    .setParameter(1, parameter)
                    .executeUpdate());
  }

  private String value(String query, String id) {
    return QuarkusTransaction.requiringNew()
        .call(
            () -> {
              @SuppressWarnings("unchecked")
              List<Object> rows =
                  entityManager.createNativeQuery(query).setParameter(1, id).getResultList();
              return rows.isEmpty() || rows.get(0) == null ? null : rows.get(0).toString();
            });
  }
}
