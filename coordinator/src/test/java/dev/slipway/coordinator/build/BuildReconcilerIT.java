package dev.slipway.coordinator.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.common.events.CommandFinished;
import dev.slipway.common.events.EventCodec;
import dev.slipway.common.events.EventTypes;
import dev.slipway.common.events.Topics;
import dev.slipway.common.status.BuildStatus;
import dev.slipway.common.status.StepStatus;
import dev.slipway.coordinator.auth.AuthTestResource;
import dev.slipway.stack.RealServices;
import dev.slipway.stack.TopicReader;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * The reconciler repairs, from the database, what each lost event would have moved: the events are
 * never delivered here (rows are written as the other services would have written them, and made
 * older than the reconciler waits), and one pass must move the build on.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@QuarkusTestResource(AuthTestResource.class)
class BuildReconcilerIT {

  @Inject BuildReconciler reconciler;
  @Inject BuildEngine engine;
  @Inject BuildRepository builds;

  @ConfigProperty(name = "kafka.bootstrap.servers")
  String bootstrap;

  @Test
  void aLostLeaseEventAndALostResultAreRepairedAndTheBuildPasses() {
    String build = startBuild();
    String leaseId = step(build, "h").leaseId;
    activateLeaseWithoutEvent(build, leaseId);

    assertTrue(reconciler.reconcile().leaseSteps().contains(leaseId));
    assertEquals(StepStatus.PASSED, step(build, "h").status);
    Step main = step(build, "r");
    assertEquals(StepStatus.RUNNING, main.status, "the run step started");

    sql(
        "update commands set status = 'finished', runner = 'gone', outcome = 'exited',"
            + " exit_code = 0, stdout_bytes = 0, stderr_bytes = 0,"
            + " started_at = now() - interval '1 hour', finished_at = now() - interval '1 hour'"
            + " where id = ?1",
        main.commandId);
    assertTrue(reconciler.reconcile().recordedResults().contains(main.commandId));
    assertEquals(StepStatus.PASSED, step(build, "r").status);
    assertEquals(BuildStatus.PASSED, build(build).status);
    // released once: when no step needed it any more, not again when the build ended
    assertEquals(
        1, published(Topics.LEASE_REQUESTS, EventTypes.LEASE_RELEASE_REQUESTED, leaseId, 1));
  }

  @Test
  void aResultWhoseOutputNeverArrivesCompletesTheStepWithAnIncompleteLog() {
    String build = startBuild();
    activateLeaseWithoutEvent(build, step(build, "h").leaseId);
    reconciler.reconcile();
    String commandId = step(build, "r").commandId;
    sql(
        "update commands set status = 'finished', runner = 'gone', outcome = 'exited',"
            + " exit_code = 0, stdout_bytes = 6, stderr_bytes = 0,"
            + " started_at = now() - interval '1 hour', finished_at = now() - interval '1 hour'"
            + " where id = ?1",
        commandId);
    CommandFinished result =
        new CommandFinished(commandId, build, CommandFinished.EXITED, 0, null, null, 1, 6, 0);
    QuarkusTransaction.requiringNew().run(() -> engine.onCommandFinished(result));
    assertEquals(StepStatus.RUNNING, step(build, "r").status, "waits for its 6 bytes");
    assertEquals(0, reconciler.reconcile().missingOutput().size(), "its output may still come");
    sql("update commands set result_at = now() - interval '1 hour' where id = ?1", commandId);

    assertTrue(reconciler.reconcile().missingOutput().contains(commandId));
    Step main = step(build, "r");
    assertEquals(StepStatus.PASSED, main.status);
    assertTrue(main.reason.contains("its log is incomplete"), main.reason);
    String log =
        AuthTestResource.admin()
            .get("/api/v1/builds/" + build + "/log")
            .then()
            .statusCode(200)
            .extract()
            .asString();
    assertTrue(log.contains("6 bytes of stdout never arrived"), log);
  }

  @Test
  void aCommandNoRunnerClaimedIsAskedForAgain() {
    String build = startBuild();
    activateLeaseWithoutEvent(build, step(build, "h").leaseId);
    reconciler.reconcile();
    String commandId = step(build, "r").commandId;
    assertEquals(0, reconciler.reconcile().unclaimed().size(), "not yet: it was just asked for");

    sql("update commands set created_at = now() - interval '1 hour' where id = ?1", commandId);
    assertTrue(reconciler.reconcile().unclaimed().contains(commandId));
    assertEquals(2, published(Topics.COMMAND_REQUESTS, EventTypes.COMMAND_REQUESTED, commandId, 2));
    assertEquals(0, reconciler.reconcile().unclaimed().size(), "asked again just now: it waits");
  }

  @Test
  void aLeaseOfAnEndedBuildThatWasNotReleasedIsReleasedAgain() {
    String build = startBuild();
    String leaseId = step(build, "h").leaseId;
    activateLeaseWithoutEvent(build, leaseId);
    reconciler.reconcile();
    AuthTestResource.admin()
        .body(Map.of("reason", "test"))
        .post("/api/v1/builds/" + build + "/abort")
        .then()
        .statusCode(200);
    assertEquals(BuildStatus.ABORTED, build(build).status);
    // no allocator runs here: the lease stays active, as if its release request were lost
    sql("update leases set updated_at = now() - interval '1 hour' where id = ?1", leaseId);

    assertTrue(reconciler.reconcile().unreleased().contains(leaseId));
    assertEquals(
        2, published(Topics.LEASE_REQUESTS, EventTypes.LEASE_RELEASE_REQUESTED, leaseId, 2));
  }

  /**
   * How many events of {@code type} keyed {@code key} are on {@code topic}, once at least {@code
   * atLeast} are there and the outbox is empty (nothing more of them is on its way).
   */
  private long published(String topic, String type, String key, int atLeast) {
    long[] count = new long[1];
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(20))
        .until(
            () -> {
              count[0] =
                  TopicReader.readAll(bootstrap, topic).stream()
                      .filter(r -> key.equals(r.key()))
                      .filter(r -> type.equals(EventCodec.decode(r.value()).type()))
                      .count();
              return count[0] >= atLeast && outboxIsEmpty();
            });
    return count[0];
  }

  private boolean outboxIsEmpty() {
    return QuarkusTransaction.requiringNew()
        .call(
            () ->
                ((Number)
                            builds
                                .getEntityManager()
                                .createNativeQuery("select count(*) from outbox")
                                .getSingleResult())
                        .longValue()
                    == 0);
  }

  /** A build of a lease-host step and a run step on it, waiting for its lease. */
  private String startBuild() {
    return AuthTestResource.startBuild(
        "reconcile", AuthTestResource.unservablePlan("reconcile-" + UUID.randomUUID()));
  }

  /**
   * Writes the lease active on a registered host, as an allocator would have, an hour ago, and
   * never tells the engine.
   */
  private void activateLeaseWithoutEvent(String build, String leaseId) {
    String hostId =
        AuthTestResource.admin()
            .body(
                Map.of(
                    "name", "reconcile-" + UUID.randomUUID(),
                    "address", "127.0.0.1",
                    "user", "ci",
                    "platform", "linux",
                    "privateKey",
                        "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----"))
            .post("/api/v1/hosts")
            .then()
            .statusCode(201)
            .extract()
            .path("id");
    sql(
        "update leases set status = 'active', resource_id = ?2, command_host_id = ?2,"
            + " updated_at = now() - interval '1 hour' where id = ?1",
        leaseId,
        hostId);
    assertEquals(StepStatus.RUNNING, step(build, "h").status);
  }

  private void sql(String statement, Object... parameters) {
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              var query = builds.getEntityManager().createNativeQuery(statement);
              for (int i = 0; i < parameters.length; i++) {
                query.setParameter(i + 1, parameters[i]);
              }
              query.executeUpdate();
            });
  }

  private Build build(String id) {
    return QuarkusTransaction.requiringNew().call(() -> builds.findById(id));
  }

  private Step step(String buildId, String name) {
    return QuarkusTransaction.requiringNew().call(() -> builds.step(buildId, name));
  }
}
