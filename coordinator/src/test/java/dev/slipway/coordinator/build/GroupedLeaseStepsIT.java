package dev.slipway.coordinator.build;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.slipway.common.status.LeaseStatus;
import dev.slipway.common.status.StepStatus;
import dev.slipway.coordinator.auth.AuthTestResource;
import dev.slipway.stack.RealServices;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Lease-host steps with one {@code group} are asked for as one lease group when the first of them
 * is ready, and pass as their leases become active; a plan whose group steps wait for each other is
 * refused. Against a real PostgreSQL and Kafka (no allocator: leases are made active by hand).
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@QuarkusTestResource(AuthTestResource.class)
class GroupedLeaseStepsIT {

  @Inject BuildEngine engine;
  @Inject BuildRepository builds;

  @Test
  void theStepsOfAGroupAreAskedForAsOneLeaseGroupAndPassWhenItsLeasesAreActive() {
    String pool = "nowhere-" + UUID.randomUUID();
    String build =
        AuthTestResource.startBuild(
            "grouped",
            "steps:\n"
                + "  - {name: w, kind: wait, timeout: 1h}\n"
                + "  - {name: linux, kind: lease-host, attributes: {pool: "
                + pool
                + "}, group: it, depends_on: []}\n"
                + "  - {name: win, kind: lease-host, attributes: {pool: "
                + pool
                + ", platform: windows}, group: it, depends_on: [w]}\n"
                + "  - {name: r, kind: run, on: linux, command: 'true', depends_on: [win]}\n");

    Step linux = step(build, "linux");
    Step win = step(build, "win");
    assertEquals(StepStatus.RUNNING, linux.status);
    assertEquals(StepStatus.RUNNING, win.status, "starts with the first of its group");
    assertEquals(StepStatus.RUNNING, step(build, "w").status);
    String group = value("select group_id from leases where id = ?1", linux.leaseId);
    assertNotNull(group);
    assertEquals(group, value("select group_id from leases where id = ?1", win.leaseId));
    assertEquals(build, value("select owner from lease_groups where id = ?1", group));
    assertEquals(
        "windows",
        value("select attributes ->> 'platform' from leases where id = ?1", win.leaseId));
    AuthTestResource.admin()
        .get("/api/v1/lease-groups/" + group)
        .then()
        .statusCode(200)
        .body("leases", equalTo(List.of(linux.leaseId, win.leaseId)));

    // the allocator grants a group at once: both leases become active
    for (String lease : List.of(linux.leaseId, win.leaseId)) {
      QuarkusTransaction.requiringNew().run(() -> engine.onLease(lease, LeaseStatus.ACTIVE, null));
    }
    assertEquals(StepStatus.PASSED, step(build, "linux").status);
    assertEquals(StepStatus.PASSED, step(build, "win").status);
  }

  @Test
  void aPlanWhoseGroupStepsWaitForEachOtherIsRefusedNamingTheStep() {
    AuthTestResource.admin()
        .body(
            Map.of(
                "name",
                "grouped-bad-" + UUID.randomUUID().toString().substring(0, 8),
                "yaml",
                "steps:\n"
                    + "  - {name: linux, kind: lease-host, group: it}\n"
                    + "  - {name: win, kind: lease-host, group: it}\n"))
        .post("/api/v1/plans")
        .then()
        .statusCode(400)
        .body("field", equalTo("steps[1].depends_on"));
  }

  private Step step(String buildId, String name) {
    return QuarkusTransaction.requiringNew().call(() -> builds.step(buildId, name));
  }

  private String value(String query, String id) {
    return QuarkusTransaction.requiringNew()
        .call(
            () -> {
              @SuppressWarnings("unchecked")
              List<Object> rows =
                  builds
                      .getEntityManager()
                      .createNativeQuery(query)
                      .setParameter(1, id)
                      .getResultList();
              return rows.isEmpty() || rows.get(0) == null ? null : rows.get(0).toString();
            });
  }
}
