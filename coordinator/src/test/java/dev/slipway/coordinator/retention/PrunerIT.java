package dev.slipway.coordinator.retention;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.coordinator.TestSql;
import dev.slipway.coordinator.auth.AuthTestResource;
import dev.slipway.stack.RealServices;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Retention deletes what is past its time, in batches, and never a running or recent build. */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@QuarkusTestResource(AuthTestResource.class)
class PrunerIT {

  @Inject Pruner pruner;
  @Inject EntityManager entityManager;

  @Test
  void oldEndedBuildsLogsAndEventIdsGoAndEverythingElseStays() {
    String old = endedBuild();
    String recent = endedBuild();
    String running = AuthTestResource.startBuild("prune", AuthTestResource.unservablePlan("run"));
    sql("update builds set finished_at = now() - interval '100 days' where id = ?1", old);
    String oldLog = "log-old-" + old;
    sql("update steps set log_id = ?2 where build_id = ?1 and name = 'r'", old, oldLog);
    for (int i = 0; i < 3; i++) { // more rows than a batch of 2
      sql(
          "insert into log_chunks (command_id, seq, stream, byte_offset, byte_length, text)"
              + " values (?1, ?2, 'stdout', ?2, 1, 'x')",
          oldLog,
          (long) i);
    }
    sql(
        "insert into processed_events (consumer, event_id, processed_at) values"
            + " ('test', 'old-event', now() - interval '15 days'),"
            + " ('test', 'new-event', now())");

    Pruner.Pruned pruned = pruner.prune();

    assertEquals(
        0, count("select count(*) from builds where id = ?1", old), "the old build is gone");
    assertEquals(0, count("select count(*) from steps where build_id = ?1", old));
    assertEquals(0, count("select count(*) from log_chunks where command_id = ?1", oldLog));
    assertEquals(1, count("select count(*) from builds where id = ?1", recent));
    assertEquals(1, count("select count(*) from builds where id = ?1", running));
    assertEquals(
        0, count("select count(*) from processed_events where event_id = ?1", "old-event"));
    assertEquals(
        1, count("select count(*) from processed_events where event_id = ?1", "new-event"));
    assertTrue(pruned.builds() >= 1, pruned.toString());
    given()
        .header("Authorization", "Bearer " + AuthTestResource.ADMIN_TOKEN)
        .get("/api/v1/builds/" + old)
        .then()
        .statusCode(404);
  }

  @Test
  void linesOfResourcesLogsPastTheLogsRetentionGo() {
    String host = AuthTestResource.addHost("pruned-" + System.nanoTime(), Map.of());
    for (int i = 0; i < 3; i++) { // more rows than a batch of 2
      sql(
          "insert into resource_log (resource_id, at, source, line)"
              + " values (?1, now() - interval '31 days', 'provision', 'old')",
          host);
    }
    sql(
        "insert into resource_log (resource_id, source, line) values (?1, 'provision', 'new')",
        host);

    Pruner.Pruned pruned = pruner.prune();

    assertEquals(
        0,
        count("select count(*) from resource_log where resource_id = ?1 and line = 'old'", host));
    assertEquals(
        1,
        count("select count(*) from resource_log where resource_id = ?1 and line = 'new'", host));
    assertTrue(pruned.resourceLogLines() >= 3, pruned.toString());
  }

  /** A build that waited for a host nobody has, aborted. */
  private String endedBuild() {
    String id = AuthTestResource.startBuild("prune", AuthTestResource.unservablePlan("end"));
    given()
        .contentType(ContentType.JSON)
        .header("Authorization", "Bearer " + AuthTestResource.ADMIN_TOKEN)
        .body(Map.of("reason", "test"))
        .post("/api/v1/builds/" + id + "/abort")
        .then()
        .statusCode(200);
    return id;
  }

  private void sql(String statement, Object... parameters) {
    TestSql.update(entityManager, statement, parameters);
  }

  private long count(String query, String parameter) {
    return QuarkusTransaction.requiringNew()
        .call(
            () ->
                ((Number)
                        entityManager
                            .createNativeQuery(query)
                            .setParameter(1, parameter)
                            .getSingleResult())
                    .longValue());
  }
}
