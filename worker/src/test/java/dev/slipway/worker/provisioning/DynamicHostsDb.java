package dev.slipway.worker.provisioning;

import dev.slipway.platform.blueprint.BlueprintRecord;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Query;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.awaitility.Awaitility;

/**
 * What the dynamic-host integration tests read and write in the database, each statement in a
 * transaction of its own, and how they wait for the running worker to move a lease or a host on.
 */
final class DynamicHostsDb {

  private static final Duration POLL = Duration.ofMillis(200);

  private final EntityManager entityManager;
  private final Duration wait;

  /** Reads and writes through {@code entityManager}; waits for at most {@code wait}. */
  DynamicHostsDb(EntityManager entityManager, Duration wait) {
    this.entityManager = entityManager;
    this.wait = wait;
  }

  /** Persists an enabled script-host blueprint {@code id} of {@code config}. */
  void scriptHostBlueprint(String id, Map<String, Object> config) {
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              BlueprintRecord record = new BlueprintRecord();
              record.id = id;
              record.name = id;
              record.kind = "script-host";
              record.type = "host";
              record.config = config;
              entityManager.persist(record);
            });
  }

  /** Waits until {@code condition} holds, failing with {@code what} if it does not in time. */
  void await(String what, Callable<Boolean> condition) {
    Awaitility.await(what).atMost(wait).pollInterval(POLL).until(condition);
  }

  /** Waits until lease {@code lease} is {@code status}. */
  void awaitStatus(String lease, String status) {
    await("lease " + lease + " " + status, () -> status.equals(status(lease)));
  }

  /** Waits until host {@code host} is {@code status}. */
  void awaitHost(String host, String status) {
    await("host " + host + " " + status, () -> status.equals(hostStatus(host)));
  }

  /** The status of lease {@code lease}. */
  String status(String lease) {
    return string("select status from leases where id = ?1", lease);
  }

  /** Why lease {@code lease} ended (or null). */
  String reason(String lease) {
    return string("select reason from leases where id = ?1", lease);
  }

  /** The host lease {@code lease} holds or waits for (or null). */
  String hostOf(String lease) {
    return string("select resource_id from leases where id = ?1", lease);
  }

  /** The status of host {@code host}. */
  String hostStatus(String host) {
    return string("select status from resources where id = ?1", host);
  }

  /** The SSH port of host {@code host}. */
  int port(String host) {
    return Integer.parseInt(string("select port::text from resources where id = ?1", host));
  }

  /** The first column of the first row {@code sql} returns, as text (null: no row). */
  String string(String sql, Object... parameters) {
    List<String> values = strings(sql, parameters);
    return values.isEmpty() ? null : values.get(0);
  }

  /** The first column of every row {@code sql} returns, as text. */
  @SuppressWarnings("unchecked")
  List<String> strings(String sql, Object... parameters) {
    return QuarkusTransaction.requiringNew()
        .call(
            () ->
                ((List<Object>) query(sql, parameters).getResultList())
                    .stream().map(v -> v == null ? null : v.toString()).toList());
  }

  /** The number {@code sql} returns. */
  long count(String sql, Object... parameters) {
    return Long.parseLong(string(sql, parameters));
  }

  /** Runs statement {@code sql}. */
  void sql(String sql, Object... parameters) {
    QuarkusTransaction.requiringNew().run(() -> query(sql, parameters).executeUpdate());
  }

  private Query query(String sql, Object... parameters) {
    Query query = entityManager.createNativeQuery(sql);
    for (int i = 0; i < parameters.length; i++) {
      query.setParameter(i + 1, parameters[i]);
    }
    return query;
  }
}
