package dev.slipway.worker.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.common.events.CommandFinished;
import dev.slipway.common.status.CommandStatus;
import dev.slipway.platform.command.Command;
import dev.slipway.platform.command.CommandRepository;
import dev.slipway.stack.RealServices;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The {@code commands} table through its owner, in PostgreSQL: statuses by wire name (the
 * coordinator's {@code checkout-log} rows included), and the conditions of a runner's updates.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@TestProfile(CommandRepositoryIT.NoRunner.class)
class CommandRepositoryIT {

  /** No supervisor of this process takes over the test's orphan before the test does. */
  public static class NoRunner implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("slipway.worker.runner.enabled", "false");
    }
  }

  @Inject CommandRepository commands;
  @Inject EntityManager entityManager;

  @Test
  void aCheckoutLogRowOfAnOldBuildIsReadByItsWireNameAndNeverClaimed() {
    Fixture f = fixture(false);
    sql( // as coordinators wrote them before steps had log ids of their own
        "insert into commands (id, build_id, step_name, lease_id, command, status)"
            + " values (?1, ?2, 'copy', ?3, 'check out x at y', 'checkout-log')",
        f.commandId,
        f.buildId,
        f.leaseId);

    assertEquals("checkout-log", status(f.commandId));
    Command row = tx(() -> commands.read(f.commandId)).orElseThrow();
    assertEquals(CommandStatus.CHECKOUT_LOG, row.status);
    assertFalse(row.isHostCommand());
    assertFalse(tx(() -> commands.claim(f.commandId, "runner-a")));
    assertFalse(tx(() -> commands.recordAbort(f.commandId, "why")));
    assertFalse(tx(() -> commands.finishUnstarted(finished(f))));
    assertEquals("checkout-log", status(f.commandId));
  }

  @Test
  void aCommandIsClaimedOnceAbortedOnceAndFinished() {
    Fixture f = fixture(true);
    tx(() -> commands.request(hostCommand(f)));
    assertEquals("requested", status(f.commandId));
    assertTrue(tx(() -> commands.read(f.commandId)).orElseThrow().isHostCommand());

    assertTrue(tx(() -> commands.claim(f.commandId, "runner-a")));
    assertFalse(tx(() -> commands.claim(f.commandId, "runner-b")));
    Command claimed = tx(() -> commands.read(f.commandId)).orElseThrow();
    assertEquals(CommandStatus.RUNNING, claimed.status);
    assertEquals("runner-a", claimed.runner);
    assertEquals(1, claimed.attempts);
    assertTrue(tx(() -> commands.runningOn(f.leaseId)));
    assertEquals(
        Set.of(f.commandId),
        tx(() -> commands.renewHeartbeats("runner-a", List.of(f.commandId, "cmd-other"))));

    assertFalse(tx(() -> commands.abortRecorded(f.commandId)));
    assertTrue(tx(() -> commands.recordAbort(f.commandId, "stop")));
    assertFalse(tx(() -> commands.recordAbort(f.commandId, "again")));
    assertTrue(tx(() -> commands.abortRecorded(f.commandId)));

    assertFalse(tx(() -> commands.finishUnstarted(finished(f))), "it runs: not refused");
    assertFalse(
        tx(() -> commands.finishFollowed(finished(f), "runner-b")), "another runner's result");
    assertTrue(tx(() -> commands.finishFollowed(finished(f), "runner-a")));
    assertFalse(tx(() -> commands.finishFollowed(finished(f), "runner-a")), "written once");
    Command done = tx(() -> commands.read(f.commandId)).orElseThrow();
    assertEquals(CommandStatus.FINISHED, done.status);
    assertEquals(CommandFinished.ABORTED, done.outcome);
    assertEquals("stop", done.abortReason);
    assertFalse(tx(() -> commands.runningOn(f.leaseId)));
  }

  @Test
  void anAbortedRequestIsNeverClaimedAndAnUnstartedOneIsRefused() {
    Fixture aborted = fixture(true);
    tx(() -> commands.request(hostCommand(aborted)));
    assertTrue(tx(() -> commands.recordAbort(aborted.commandId, "stop")));
    assertFalse(tx(() -> commands.claim(aborted.commandId, "runner-a")));

    Fixture refused = fixture(true);
    tx(() -> commands.request(hostCommand(refused)));
    assertTrue(tx(() -> commands.finishUnstarted(finished(refused))));
    assertEquals("finished", status(refused.commandId));
    assertFalse(tx(() -> commands.claim(refused.commandId, "runner-a")));
  }

  @Test
  void anOrphanIsTakenOverByOneRunner() {
    Fixture f = fixture(true);
    tx(() -> commands.request(hostCommand(f)));
    assertTrue(tx(() -> commands.claim(f.commandId, "runner-gone")));
    sql("update commands set heartbeat_at = '2000-01-01T00:00:00Z' where id = ?1", f.commandId);

    var taken = tx(() -> commands.takeOverOrphans("runner-b", Duration.ofSeconds(30)));
    var orphan = taken.stream().filter(o -> o.id().equals(f.commandId)).findFirst().orElseThrow();
    assertEquals("runner-gone", orphan.previousRunner());
    assertEquals(2, orphan.attempts());
    assertTrue(
        tx(() -> commands.takeOverOrphans("runner-c", Duration.ofSeconds(30))).stream()
            .noneMatch(o -> o.id().equals(f.commandId)),
        "its heartbeat was renewed");
    Command row = tx(() -> commands.read(f.commandId)).orElseThrow();
    assertEquals("runner-b", row.runner);
    assertEquals(CommandStatus.RUNNING, row.status);
    assertNull(row.abortReason);
  }

  private record Fixture(String buildId, String leaseId, String resourceId, String commandId) {}

  /** A build and a released lease (on a host when {@code onHost}) for a command of the test. */
  private Fixture fixture(boolean onHost) {
    String id = UUID.randomUUID().toString().substring(0, 8);
    Fixture f =
        new Fixture("build-" + id, "lease-" + id, onHost ? "host-" + id : null, "cmd-" + id);
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              if (onHost) {
                sql(
                    "insert into resources (id, blueprint_id, type, name, status, slots)"
                        + " values (?1, 'static-host', 'host', ?1, 'active', 1)",
                    f.resourceId);
              }
              sql(
                  "insert into builds (id, plan_name, plan_yaml, status)"
                      + " values (?1, 'p', '', 'running')",
                  f.buildId);
              sql(
                  "insert into leases (id, type, status) values (?1, 'host', 'released')",
                  f.leaseId);
            });
    return f;
  }

  private static Command hostCommand(Fixture f) {
    Command command = new Command();
    command.id = f.commandId;
    command.buildId = f.buildId;
    command.stepName = "main";
    command.leaseId = f.leaseId;
    command.resourceId = f.resourceId;
    command.command = "true";
    command.timeoutSeconds = 60L;
    return command;
  }

  private static CommandFinished finished(Fixture f) {
    return new CommandFinished(
        f.commandId, f.buildId, CommandFinished.ABORTED, null, "TERM", null, 1, 0, 0);
  }

  private String status(String commandId) {
    return tx(
        () ->
            (String)
                entityManager
                    .createNativeQuery("select status from commands where id = ?1")
                    .setParameter(1, commandId)
                    .getSingleResult());
  }

  private static <T> T tx(java.util.concurrent.Callable<T> work) {
    return QuarkusTransaction.requiringNew().call(work);
  }

  private static void tx(Runnable work) {
    QuarkusTransaction.requiringNew().run(work);
  }

  private void sql(String statement, Object... parameters) {
    RunnerTestSupport.sql(entityManager, statement, parameters);
  }
}
