package dev.slipway.coordinator.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.common.status.LeaseStatus;
import dev.slipway.common.status.StepStatus;
import dev.slipway.coordinator.auth.AuthTestResource;
import dev.slipway.platform.lease.Lease;
import dev.slipway.platform.lease.LeaseRepository;
import dev.slipway.platform.lease.Leases;
import dev.slipway.stack.RealServices;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A working-copy step asked for with its host step's lease fails with that lease's reason when the
 * host lease fails, rather than being given up as unneeded. Against a real PostgreSQL and Kafka (no
 * allocator: the host lease is failed by hand, as the allocator would).
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@QuarkusTestResource(AuthTestResource.class)
class CopyOnAFailedHostIT {

  @Inject BuildEngine engine;
  @Inject BuildRepository builds;
  @Inject Leases leases;
  @Inject LeaseRepository leaseRepository;

  @Test
  void aCopyStepWhoseHostLeaseFailedFailsWithItsReasonInsteadOfBeingGivenUp() {
    String pool = "nowhere-" + UUID.randomUUID();
    String build =
        AuthTestResource.startBuild(
            "copy-on-failed-host",
            "steps:\n"
                + "  - {name: h, kind: lease-host, attributes: {pool: "
                + pool
                + "}}\n"
                + "  - {name: src, kind: lease-working-copy, host: h,"
                + " repository: 'https://example.invalid/app.git', ref: main}\n"
                + "  - {name: r, kind: run, on: src, command: 'true'}\n");
    String hostLease = step(build, "h").leaseId;
    Step src = step(build, "src");
    assertEquals(StepStatus.RUNNING, src.status, "asked for with its host lease");

    // as the allocator does: the host lease fails, the copy waiting on it fails in that transaction
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              Lease host = leaseRepository.lock(hostLease).orElseThrow();
              leases.move(host, LeaseStatus.FAILED, "no host offers pool=" + pool);
            });
    QuarkusTransaction.requiringNew()
        .run(() -> engine.onLease(hostLease, LeaseStatus.FAILED, "no host offers pool=" + pool));

    Step after = step(build, "src");
    assertEquals(StepStatus.FAILED, after.status, after.reason);
    assertTrue(
        after.reason.contains("lease failed: its host lease " + hostLease + " is failed"),
        after.reason);
    assertEquals(StepStatus.FAILED, step(build, "h").status);
  }

  private Step step(String buildId, String name) {
    return QuarkusTransaction.requiringNew().call(() -> builds.step(buildId, name));
  }
}
