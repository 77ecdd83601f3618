package dev.slipway.stack;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaBrokerIT {

  @Test
  void producedRecordIsConsumedBack() throws Exception {
    KafkaBroker broker = KafkaBroker.shared();
    String topic = "stack-it-" + UUID.randomUUID();

    produce(broker.bootstrapServers(), topic, "hello");

    assertEquals(List.of("hello"), consume(broker.bootstrapServers(), topic, 1));
  }

  @Test
  void sharedBrokerIsOnePerJvm() {
    assertTrue(KafkaBroker.shared() == KafkaBroker.shared());
    KafkaBroker.shared().close();
    assertTrue(KafkaBroker.shared().process().isAlive(), "close() must not stop the shared broker");
  }

  @Test
  void restartedBrokerKeepsItsRecordsAndReplacesAnOrphan(@TempDir Path dataDir) throws Exception {
    KafkaBroker orphan = KafkaBroker.start(dataDir); // left running, as if its JVM had been killed
    produce(orphan.bootstrapServers(), "kept", "before restart");

    KafkaBroker broker = KafkaBroker.start(dataDir);
    assertFalse(orphan.process().isAlive(), "the orphan must be stopped");
    assertEquals(List.of("before restart"), consume(broker.bootstrapServers(), "kept", 1));
    assertTrue(Files.readString(dataDir.resolve("broker.out")).contains("Kafka Server started"));

    broker.close();
    assertFalse(broker.process().isAlive(), "close() must stop the broker process");
  }

  @Test
  void killedBrokerRestartsOnTheSamePortsWithItsRecords(@TempDir Path dataDir) throws Exception {
    KafkaBroker broker = KafkaBroker.start(dataDir);
    produce(broker.bootstrapServers(), "kept", "before the crash");

    broker.kill();
    assertFalse(broker.process().isAlive(), "kill() must end the broker process");
    KafkaBroker restarted = broker.restart();
    try {
      assertEquals(broker.port(), restarted.port());
      assertEquals(broker.controllerPort(), restarted.controllerPort());
      produce(restarted.bootstrapServers(), "kept", "after the crash");
      assertEquals(
          List.of("before the crash", "after the crash"),
          consume(restarted.bootstrapServers(), "kept", 2));
    } finally {
      restarted.close();
    }
  }

  private static void produce(String bootstrap, String topic, String value) throws Exception {
    Map<String, Object> config =
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
            StringSerializer.class,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            StringSerializer.class);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
      producer.send(new ProducerRecord<>(topic, "key", value)).get(30, TimeUnit.SECONDS);
    }
  }

  private static List<String> consume(String bootstrap, String topic, int count) {
    Map<String, Object> config =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ConsumerConfig.GROUP_ID_CONFIG,
            "stack-it-" + UUID.randomUUID(),
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            "earliest",
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
            StringDeserializer.class,
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
            StringDeserializer.class);
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
      consumer.subscribe(List.of(topic));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(record -> values.add(record.value()));
                return values.size() >= count;
              });
    }
    return values;
  }
}
