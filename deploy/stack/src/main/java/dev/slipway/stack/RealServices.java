package dev.slipway.stack;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Points a {@code @QuarkusTest} at real services: the JVM's shared Kafka broker and a fresh
 * database on the shared PostgreSQL. Use with {@code @QuarkusTestResource(RealServices.class)}.
 */
public final class RealServices implements QuarkusTestResourceLifecycleManager {

  @Override
  public Map<String, String> start() {
    KafkaBroker broker = KafkaBroker.shared();
    Database database = Database.shared();
    return Map.of(
        "kafka.bootstrap.servers", broker.bootstrapServers(),
        "quarkus.datasource.jdbc.url", database.createDatabase("slipway_test"),
        "quarkus.datasource.username", database.user(),
        "quarkus.datasource.password", database.password(),
        "quarkus.devservices.enabled", "false");
  }

  @Override
  public void stop() {
    // the shared broker and database stop when the JVM exits
  }
}
