package dev.slipway.coordinator.host;

import static dev.slipway.coordinator.auth.AuthTestResource.as;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.common.status.ResourceStatus;
import dev.slipway.coordinator.auth.AuthTestResource;
import dev.slipway.platform.resource.ResourceRepository;
import dev.slipway.platform.resource.Resources;
import dev.slipway.stack.RealServices;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A host's life under edits, against a real PostgreSQL: broken hosts can be removed and their name
 * used again, and an edit that races the runner's pin of the host key neither erases the pin nor is
 * silently lost.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@QuarkusTestResource(AuthTestResource.class)
class HostLifecycleIT {

  private static final String HOST_KEY =
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq7Ncz1mUVh0ZLpXHTzEGvxCTsHTt7TxhmkNNH1iuUq";
  private static final ExecutorService THREADS = Executors.newCachedThreadPool();

  @Inject ResourceRepository resources;
  @Inject Resources lifecycle;
  @Inject EntityManager entityManager;

  @AfterAll
  static void stopThreads() {
    THREADS.shutdownNow();
  }

  @Test
  void anIdleBrokenHostIsRemovedAtOnceAndItsNameCanBeRegisteredAgain() {
    String name = newName();
    String broken = register(name);
    breakHost(broken);

    as(AuthTestResource.ADMIN_TOKEN)
        .delete("/api/v1/hosts/" + broken)
        .then()
        .statusCode(202)
        .body("status", equalTo("destroyed"));
    String again = register(name);

    assertNotEquals(broken, again);
    as(AuthTestResource.ADMIN_TOKEN)
        .get("/api/v1/hosts/" + again)
        .then()
        .body("name", equalTo(name))
        .body("status", equalTo("active"));
  }

  @Test
  void aBrokenHostHoldingALeaseIsReleasedAndItsNameIsFreeAtOnce() {
    String name = newName();
    String broken = register(name);
    holdLease(broken); // a build still holds it: the allocator destroys the host on its release
    breakHost(broken);

    as(AuthTestResource.ADMIN_TOKEN)
        .delete("/api/v1/hosts/" + broken)
        .then()
        .statusCode(202)
        .body("status", equalTo("released"))
        .body("enabled", equalTo(false))
        .body("reason", containsString("removed by an operator"))
        .body("reason", containsString("presented another host key"));
    String again = register(name);

    assertNotEquals(broken, again);
    // removing it twice changes nothing
    as(AuthTestResource.ADMIN_TOKEN)
        .delete("/api/v1/hosts/" + broken)
        .then()
        .statusCode(202)
        .body("status", equalTo("released"));
  }

  @Test
  void aHostABlueprintMadeIsLeftToItsDestroyAndOneBeingMadeCannotBeRemoved() {
    String blueprint = "made-" + UUID.randomUUID().toString().substring(0, 8);
    String ready = "host-" + UUID.randomUUID();
    String making = "host-" + UUID.randomUUID();
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              sql(
                  "insert into blueprints (id, name, kind, type) values (?1, ?1, 'script-host',"
                      + " 'host')",
                  blueprint);
              sql(
                  "insert into resources (id, blueprint_id, type, name, status, slots)"
                      + " values (?1, ?2, 'host', ?1, 'active', 1)",
                  ready,
                  blueprint);
              sql(
                  "insert into resources (id, blueprint_id, type, name, status, slots)"
                      + " values (?1, ?2, 'host', ?1, 'pending', 1)",
                  making,
                  blueprint);
            });

    // idle, yet not destroyed here: an allocator runs the blueprint's destroy, then destroys it
    as(AuthTestResource.ADMIN_TOKEN)
        .delete("/api/v1/hosts/" + ready)
        .then()
        .statusCode(202)
        .body("status", equalTo("released"));
    as(AuthTestResource.ADMIN_TOKEN)
        .delete("/api/v1/hosts/" + making)
        .then()
        .statusCode(409)
        .body("message", containsString("being made"));
    as(AuthTestResource.ADMIN_TOKEN)
        .get("/api/v1/hosts/" + making)
        .then()
        .body("status", equalTo("pending"));
  }

  private void sql(String sql, Object... parameters) {
    var query = entityManager.createNativeQuery(sql);
    for (int i = 0; i < parameters.length; i++) {
      query.setParameter(i + 1, parameters[i]);
    }
    query.executeUpdate();
  }

  @Test
  void anEditThatRacesTheFirstContactPinIsRefusedAndThePinIsKept() throws Exception {
    String id = register(newName());
    CountDownLatch rowLocked = new CountDownLatch(1);
    CountDownLatch editWaits = new CountDownLatch(1);
    // The pinning transaction holds the host's row from before the edit writes until after the
    // pin: the edit reads the host (no key pinned), then its write waits for the pin to commit.
    Future<?> pin =
        THREADS.submit(
            () ->
                QuarkusTransaction.requiringNew()
                    .run(
                        () -> {
                          entityManager
                              .createNativeQuery(
                                  "select id from resources where id = ?1 for update")
                              .setParameter(1, id)
                              .getResultList();
                          rowLocked.countDown();
                          awaitLatch(editWaits);
                          assertEquals(HOST_KEY, resources.pinHostKey(id, HOST_KEY));
                        }));
    assertTrue(rowLocked.await(30, TimeUnit.SECONDS));
    Future<Response> edit =
        THREADS.submit(
            () ->
                as(AuthTestResource.ADMIN_TOKEN)
                    .body(Map.of("address", "10.0.0.9"))
                    .patch("/api/v1/hosts/" + id));
    await().atMost(Duration.ofSeconds(30)).until(this::anUpdateOfResourcesWaitsForALock);
    editWaits.countDown();
    pin.get(30, TimeUnit.SECONDS);

    Response refused = edit.get(30, TimeUnit.SECONDS);
    assertEquals(409, refused.statusCode(), refused.asString());
    assertTrue(refused.asString().contains("changed while"), refused.asString());
    as(AuthTestResource.ADMIN_TOKEN)
        .get("/api/v1/hosts/" + id)
        .then()
        .body("hostKey", equalTo(HOST_KEY))
        .body("address", equalTo("127.0.0.1"));

    // the operator reads it again and retries: both the pin and the edit stay
    as(AuthTestResource.ADMIN_TOKEN)
        .body(Map.of("address", "10.0.0.9"))
        .patch("/api/v1/hosts/" + id)
        .then()
        .statusCode(200)
        .body("address", equalTo("10.0.0.9"))
        .body("hostKey", equalTo(HOST_KEY));
  }

  private boolean anUpdateOfResourcesWaitsForALock() {
    return QuarkusTransaction.requiringNew()
        .call(
            () ->
                ((Number)
                            entityManager
                                .createNativeQuery(
                                    "select count(*) from pg_stat_activity"
                                        + " where cardinality(pg_blocking_pids(pid)) > 0"
                                        + " and query ilike 'update resources%'")
                                .getSingleResult())
                        .intValue()
                    > 0);
  }

  private static void awaitLatch(CountDownLatch latch) {
    try {
      if (!latch.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the edit never came to write");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void breakHost(String id) {
    QuarkusTransaction.requiringNew()
        .run(
            () ->
                lifecycle.move(
                    resources.findById(id),
                    ResourceStatus.BROKEN,
                    "presented another host key than the pinned one"));
  }

  /** An active lease on the host, as an allocator leaves it (the slot taken). */
  private void holdLease(String hostId) {
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              entityManager
                  .createNativeQuery(
                      "insert into leases (id, type, status, resource_id, command_host_id, owner)"
                          + " values (?1, 'host', 'active', ?2, ?2, 'test')")
                  .setParameter(1, "lease-" + UUID.randomUUID())
                  .setParameter(2, hostId)
                  .executeUpdate();
              entityManager
                  .createNativeQuery("update resources set leases_held = 1 where id = ?1")
                  .setParameter(1, hostId)
                  .executeUpdate();
            });
  }

  @Test
  void anEditRefusesAnAddressOrUserThatARegistrationRefuses() {
    String id = register(newName());
    Map<String, String> refused =
        Map.of("", "address", "-oProxyCommand=touch /tmp/pwned8", "address", "a b c", "address");
    refused.forEach(
        (value, field) ->
            as(AuthTestResource.ADMIN_TOKEN)
                .body(Map.of(field, value))
                .patch("/api/v1/hosts/" + id)
                .then()
                .statusCode(400)
                .body("error", equalTo("invalid-request"))
                .body("field", equalTo(field)));
    for (String user : new String[] {"", " ", "root;touch /tmp/pwned9", "-oProxyCommand=x"}) {
      as(AuthTestResource.ADMIN_TOKEN)
          .body(Map.of("user", user))
          .patch("/api/v1/hosts/" + id)
          .then()
          .statusCode(400)
          .body("field", equalTo("user"));
    }
    as(AuthTestResource.ADMIN_TOKEN)
        .get("/api/v1/hosts/" + id)
        .then()
        .body("address", equalTo("127.0.0.1"))
        .body("user", equalTo("ci"));
    as(AuthTestResource.ADMIN_TOKEN)
        .body(Map.of("address", "build-7.example.com", "user", "CORP\\build agent"))
        .patch("/api/v1/hosts/" + id)
        .then()
        .statusCode(200)
        .body("address", equalTo("build-7.example.com"))
        .body("user", equalTo("CORP\\build agent"));
  }

  @Test
  void aRegistrationRefusesANameAddressOrUserThatIsNoneNamingTheField() {
    String[][] cases = {
      {"name", "../../x"},
      {"name", "h o s t"},
      {"name", "esc\u001b]0;PWNED\u0007"},
      {"address", "-oProxyCommand=touch /tmp/pwned8"},
      {"address", "a b c"},
      {"user", "root;touch /tmp/pwned9"},
      {"user", "-oProxyCommand=x"},
      {"user", "ci\u001b[2J"}
    };
    for (String[] c : cases) {
      Map<String, Object> body = new java.util.HashMap<>();
      body.put("name", newName());
      body.put("address", "127.0.0.1");
      body.put("user", "ci");
      body.put("platform", "linux");
      body.put("privateKey", AuthTestResource.PLACEHOLDER_KEY);
      body.put(c[0], c[1]);
      as(AuthTestResource.ADMIN_TOKEN)
          .body(body)
          .post("/api/v1/hosts")
          .then()
          .statusCode(400)
          .body("error", equalTo("invalid-request"))
          .body("field", equalTo(c[0]));
    }
  }

  private static String register(String name) {
    return AuthTestResource.addHost(name, Map.of("slots", 2));
  }

  private static String newName() {
    return "lifecycle-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
