package dev.slipway.stack;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A broker of its own whose client listener takes only one SASL/PLAIN user. */
class KafkaBrokerSaslIT {

  private static final KafkaSaslUser USER = KafkaSaslUser.withRandomPassword("slipway");
  private static final Duration REFUSED_WITHIN = Duration.ofSeconds(5);

  @TempDir static Path dataDir;
  static KafkaBroker broker;

  @BeforeAll
  static void start() throws Exception {
    broker = KafkaBroker.startWithSasl(dataDir, USER);
  }

  @AfterAll
  static void stop() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void userWithItsPasswordProducesAndConsumes() throws Exception {
    String topic = "sasl-" + UUID.randomUUID();

    produce(broker.clientConfig(), topic, "authenticated");

    assertEquals(List.of("authenticated"), consume(broker.clientConfig(), topic));
  }

  @Test
  void clientWithoutCredentialsCannotProduceOrConsume() throws Exception {
    String topic = "sasl-" + UUID.randomUUID();
    produce(broker.clientConfig(), topic, "secret");
    Map<String, Object> anonymous = Map.of("bootstrap.servers", broker.bootstrapServers());

    ExecutionException refused =
        assertThrows(ExecutionException.class, () -> produce(anonymous, topic, "intruder"));
    assertInstanceOf(TimeoutException.class, refused.getCause());
    assertEquals(List.of(), pollFor(anonymous, topic, REFUSED_WITHIN));
  }

  @Test
  void wrongPasswordIsRefused() {
    KafkaSaslUser impostor = new KafkaSaslUser(USER.name(), "not-" + USER.password());
    Map<String, Object> config = new HashMap<>(impostor.clientConfig());
    config.put("bootstrap.servers", broker.bootstrapServers());

    ExecutionException refused =
        assertThrows(
            ExecutionException.class, () -> produce(config, "sasl-" + UUID.randomUUID(), "x"));
    assertInstanceOf(SaslAuthenticationException.class, refused.getCause());
  }

  @Test
  void brokerLogsDoNotContainThePassword() throws Exception {
    assertFalse(Files.readString(dataDir.resolve("broker.out")).contains(USER.password()));
    assertFalse(Files.readString(dataDir.resolve("broker.log")).contains(USER.password()));
    assertFalse(USER.toString().contains(USER.password()));
  }

  /**
   * Sends one record; fails (ExecutionException) when no metadata comes within 5 s or the broker
   * refuses the login.
   */
  private static void produce(Map<String, Object> connection, String topic, String value)
      throws Exception {
    Map<String, Object> config = new HashMap<>(connection);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) REFUSED_WITHIN.toMillis());
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
      producer.send(new ProducerRecord<>(topic, "key", value)).get(30, TimeUnit.SECONDS);
    }
  }

  /** The one record on {@code topic}, read with {@code connection} (at most 30 s). */
  private static List<String> consume(Map<String, Object> connection, String topic) {
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = consumer(connection, topic)) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
                return !values.isEmpty();
              });
    }
    return values;
  }

  /** Whatever {@code connection} reads from {@code topic} by polling for {@code duration}. */
  private static List<String> pollFor(
      Map<String, Object> connection, String topic, Duration duration) {
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = consumer(connection, topic)) {
      consumer.poll(duration).forEach(r -> values.add(r.value()));
    }
    return values;
  }

  private static KafkaConsumer<String, String> consumer(
      Map<String, Object> connection, String topic) {
    Map<String, Object> config = new HashMap<>(connection);
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "sasl-it-" + UUID.randomUUID());
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config);
    consumer.subscribe(List.of(topic));
    return consumer;
  }
}
