package dev.slipway.local;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.auth.TokenSecrets;
import dev.slipway.stack.Database;
import dev.slipway.stack.KafkaBroker;
import dev.slipway.stack.KafkaSaslUser;
import dev.slipway.stack.SshTestHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole build through a broker that takes only one SASL user: both services get its credentials
 * through the environment ({@code KAFKA_SECURITY_PROTOCOL}, {@code KAFKA_SASL_MECHANISM}, {@code
 * KAFKA_SASL_JAAS_CONFIG}) and every Kafka client of theirs (the event producer, the consumers, the
 * dead-letter producers) logs in with them.
 */
class KafkaSaslIT {

  private static final KafkaSaslUser USER = KafkaSaslUser.withRandomPassword("slipway");

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  static Path work;

  static KafkaBroker broker;
  static SlipwayServices services;
  static SlipwayClient api;
  static SshTestHost host;

  @BeforeAll
  static void start() throws Exception {
    broker = KafkaBroker.startWithSasl(work.resolve("kafka"), USER);
    Database database = Database.shared();
    String token = TokenSecrets.newSecret();
    services =
        SlipwayServices.start(
            Path.of(System.getProperty("slipway.home", "../..")),
            work.resolve("logs"),
            0,
            new SlipwayServices.Wiring(
                broker.bootstrapServers(),
                database.createDatabase("slipway_sasl"),
                database.user(),
                database.password(),
                Base64.getEncoder().encodeToString(random32()),
                Map.of(
                    "SLIPWAY_BOOTSTRAP_TOKEN",
                    token,
                    "KAFKA_SECURITY_PROTOCOL",
                    KafkaSaslUser.PROTOCOL,
                    "KAFKA_SASL_MECHANISM",
                    KafkaSaslUser.MECHANISM,
                    "KAFKA_SASL_JAAS_CONFIG",
                    USER.jaasConfig())),
            System.out);
    api = new SlipwayClient(services.apiUrl(), token);
    host = SshTestHost.start(Files.createDirectories(work.resolve("host")));
  }

  @AfterAll
  static void stop() throws IOException {
    if (host != null) {
      host.close();
    }
    if (services != null) {
      services.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void buildPassesThroughTheAuthenticatedBrokerAndNoLogHasThePassword() throws Exception {
    String pool = "p" + UUID.randomUUID().toString().substring(0, 8);
    api.registerHost(
        Map.of(
            "name", "host-" + pool,
            "address", host.address(),
            "port", host.port(),
            "user", host.user(),
            "privateKey", host.clientPrivateKeyPem(),
            "platform", "linux",
            "attributes", Map.of("pool", pool),
            "slots", 1));
    String plan = "sasl-" + pool;
    api.savePlan(
        plan,
        """
        steps:
          - {name: buildhost, kind: lease-host, attributes: {pool: %s}}
          - {name: main, kind: run, on: buildhost, command: echo through sasl}
        """
            .formatted(pool));

    String build = api.submitBuild(plan);
    JsonNode finished = api.awaitFinished(build, Duration.ofSeconds(90));

    // The services know no other broker: every event of the build went through this one, the
    // command's output too (the worker's producer, the coordinator's consumer).
    assertEquals("passed", finished.get("status").asText(), finished.toString());
    await().atMost(Duration.ofSeconds(15)).until(() -> api.log(build).contains("through sasl"));
    for (Path log : serviceLogs()) {
      String text = Files.readString(log);
      assertFalse(text.isEmpty(), log + " is empty");
      assertFalse(text.contains(USER.password()), log + " contains the SASL password");
    }
  }

  private static List<Path> serviceLogs() throws IOException {
    try (Stream<Path> logs = Files.list(work.resolve("logs"))) {
      List<Path> all = logs.filter(p -> p.toString().endsWith(".log")).toList();
      assertEquals(2, all.size(), "coordinator and worker logs: " + all);
      return all;
    }
  }

  private static byte[] random32() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return bytes;
  }
}
