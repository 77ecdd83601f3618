package dev.slipway.coordinator.health;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.common.events.CommandFinished;
import dev.slipway.common.events.CommandRequested;
import dev.slipway.common.events.EventTypes;
import dev.slipway.common.events.Topics;
import dev.slipway.common.status.CommandStatus;
import dev.slipway.common.status.LeaseStatus;
import dev.slipway.coordinator.auth.AuthTestResource;
import dev.slipway.platform.command.Command;
import dev.slipway.platform.command.CommandRepository;
import dev.slipway.platform.lease.Lease;
import dev.slipway.platform.lease.LeaseRepository;
import dev.slipway.platform.lease.Leases;
import dev.slipway.platform.outbox.Outbox;
import dev.slipway.platform.outbox.OutboxParking;
import dev.slipway.stack.RealServices;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * An outbox row Kafka refuses for good (here: a lease request over Kafka's 1 MB, written past the
 * API's limits straight through {@link Leases}) is parked, its lease fails with the reason, and the
 * row after it is still published; the real broker and database of {@link RealServices}.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@QuarkusTestResource(AuthTestResource.class)
class ParkedEventsIT {

  private static final Duration WAIT = Duration.ofSeconds(60);

  @Inject Leases leases;
  @Inject LeaseRepository leaseRepository;
  @Inject EntityManager entityManager;
  @Inject OutboxParking parking;
  @Inject CommandRepository commands;
  @Inject Outbox outbox;

  @Test
  void aRequestKafkaRefusesIsParkedItsLeaseFailsAndTheNextRowIsPublished() {
    String pool = "parked-" + UUID.randomUUID();
    String[] ids =
        QuarkusTransaction.requiringNew()
            .call(
                () -> {
                  Lease huge =
                      leases.request(
                          "host",
                          Map.of("pool", pool, "blob", "x".repeat(1_500_000)),
                          null,
                          "parking-test",
                          null,
                          null);
                  Lease next =
                      leases.request(
                          "host", Map.of("pool", pool), null, "parking-test", null, null);
                  return new String[] {huge.id, next.id};
                });
    String huge = ids[0];
    String next = ids[1];

    Awaitility.await()
        .atMost(WAIT)
        .until(() -> outboxRows(next) == 0 && parkedRows(huge, Topics.LEASE_REQUESTS) == 1);
    Lease failed =
        Awaitility.await()
            .atMost(WAIT)
            .until(
                () -> QuarkusTransaction.requiringNew().call(() -> leaseRepository.findById(huge)),
                l -> l.status == LeaseStatus.FAILED);
    assertTrue(
        failed.reason.startsWith("its request could not be published: RecordTooLargeException"),
        failed.reason);
    assertEquals(
        LeaseStatus.PENDING,
        QuarkusTransaction.requiringNew().call(() -> leaseRepository.findById(next)).status,
        "the lease after it was requested as usual");
    // every row of the huge lease leaves the outbox (its lease.failed, as large, is parked too)
    Awaitility.await().atMost(WAIT).until(() -> outboxRows(huge) == 0);
    String error =
        QuarkusTransaction.requiringNew()
            .call(
                () ->
                    (String)
                        entityManager
                            .createNativeQuery(
                                "select error from outbox_parked where record_key = ?1 and topic = ?2")
                            .setParameter(1, huge)
                            .setParameter(2, Topics.LEASE_REQUESTS)
                            .getSingleResult());
    assertTrue(error.startsWith("RecordTooLargeException"), error);
    assertTrue(parking.count() >= 1);
    given()
        .get("/q/health")
        .then()
        .statusCode(200)
        .body("checks.find { it.name == 'outbox' }.data.parked-events", greaterThanOrEqualTo(1));
  }

  @Test
  void aCommandRequestKafkaRefusesFinishesTheCommandWithAnError() {
    String build =
        AuthTestResource.startBuild(
            "parked", AuthTestResource.unservablePlan("parked-" + UUID.randomUUID()));
    String commandId = "cmd-" + UUID.randomUUID();
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              Lease lease =
                  leases.request("host", Map.of("pool", "nowhere"), null, build, null, null);
              Command command = new Command();
              command.id = commandId;
              command.buildId = build;
              command.stepName = "r";
              command.leaseId = lease.id;
              command.command = "true";
              command.timeoutSeconds = 60L;
              commands.request(command);
              // the event as the build engine writes it, but far over Kafka's 1 MB
              outbox.publish(
                  Topics.COMMAND_REQUESTS,
                  EventTypes.COMMAND_REQUESTED,
                  commandId,
                  new CommandRequested(
                      commandId,
                      build,
                      "r",
                      lease.id,
                      null,
                      "echo " + "x".repeat(1_500_000),
                      Map.of(),
                      null,
                      60));
            });

    Command finished =
        Awaitility.await()
            .atMost(WAIT)
            .until(
                () -> QuarkusTransaction.requiringNew().call(() -> commands.read(commandId).get()),
                c -> c.status == CommandStatus.FINISHED);
    assertEquals(CommandFinished.ERROR, finished.outcome);
    assertTrue(
        finished.message.startsWith("its request could not be published: RecordTooLargeException"),
        finished.message);
    assertEquals(1, parkedRows(commandId, Topics.COMMAND_REQUESTS));
    // its command.finished, keyed by the build, went out to Kafka
    Awaitility.await().atMost(WAIT).until(() -> outboxRows(build) == 0);
  }

  private long outboxRows(String key) {
    return count("select count(*) from outbox where record_key = ?1", key, null);
  }

  private long parkedRows(String key, String topic) {
    return count(
        "select count(*) from outbox_parked where record_key = ?1 and topic = ?2", key, topic);
  }

  private long count(String sql, String key, String topic) {
    return QuarkusTransaction.requiringNew()
        .call(
            () -> {
              var query = entityManager.createNativeQuery(sql).setParameter(1, key);
              if (topic != null) {
                query.setParameter(2, topic);
              }
              List<?> result = query.getResultList();
              return ((Number) result.get(0)).longValue();
            });
  }
}
