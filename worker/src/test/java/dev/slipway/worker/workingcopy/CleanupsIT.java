package dev.slipway.worker.workingcopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.platform.secrets.CredentialStore;
import dev.slipway.stack.RealServices;
import dev.slipway.worker.process.WorkerProcess;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Cleaning a released working copy in PostgreSQL: a copy whose last lease still has a command
 * running when the wait for it is over is never handed out again (the command may still write into
 * it, and a lease's checkout does not clean again): it is broken, to be deleted and replaced.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@TestProfile(CleanupsIT.ShortWait.class)
class CleanupsIT {

  /** Waits 1 s for the commands of a released copy instead of 60 s. */
  public static class ShortWait implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("slipway.working-copies.commands-gone-timeout", "1s");
    }
  }

  @Inject Cleanups cleanups;
  @Inject CredentialStore credentials;
  @Inject EntityManager entityManager;

  @Test
  void aCopyWhoseLastLeaseStillRunsACommandIsBrokenNotGivenBack() {
    String id = UUID.randomUUID().toString().substring(0, 8);
    String host = "host-" + id;
    String copy = "wc-" + id;
    String lease = "lease-" + id;
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              // a host the test never reaches: deleting the broken copy is tried later
              String credential = credentials.save("ssh-private-key", "not a key");
              sql(
                  "insert into resources (id, blueprint_id, type, name, status, slots, address,"
                      + " port, username, credential_id) values (?1, 'static-host', 'host', ?1,"
                      + " 'active', 1, '127.0.0.1', 1, 'nobody', ?2)",
                  host,
                  credential);
              sql(
                  "insert into resources (id, blueprint_id, type, name, status, slots, host_id,"
                      + " path, busy_since, busy_by) values (?1, 'working-copy', 'working-copy',"
                      + " ?1, 'active', 1, ?2, '/nowhere/copy', now(), ?3)",
                  copy,
                  host,
                  WorkerProcess.ID);
              sql(
                  "insert into leases (id, type, status, resource_id)"
                      + " values (?1, 'working-copy', 'released', ?2)",
                  lease,
                  copy);
              sql(
                  "insert into builds (id, plan_name, plan_yaml, status)"
                      + " values (?1, 'p', 'steps: []', 'running')",
                  "build-" + id);
              sql(
                  "insert into commands (id, build_id, step_name, lease_id, command, status)"
                      + " values (?1, ?2, 'run', ?3, 'sleep 1000', 'running')",
                  "cmd-" + id,
                  "build-" + id,
                  lease);
            });

    cleanups.clean(copy);

    Object[] row =
        QuarkusTransaction.requiringNew()
            .call(
                () ->
                    (Object[])
                        entityManager
                            .createNativeQuery("select status, reason from resources where id = ?1")
                            .setParameter(1, copy)
                            .getSingleResult());
    assertEquals("broken", row[0], "reason: " + row[1]);
    assertTrue(String.valueOf(row[1]).contains("still running"), String.valueOf(row[1]));
  }

  private void sql(String statement, String first, Object... rest) {
    var query = entityManager.createNativeQuery(statement).setParameter(1, first);
    for (int i = 0; i < rest.length; i++) {
      query.setParameter(i + 2, rest[i]);
    }
    query.executeUpdate();
  }
}
