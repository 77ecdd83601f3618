package dev.slipway.platform.messaging;

import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The process's one Kafka producer: idempotent, acks from all replicas, no lingering. Used by the
 * outbox relay and by the runner's output stream; services never send events any other way.
 *
 * <p>It connects with the same settings as every consumer and dead-letter producer of the SmallRye
 * Kafka connector: Quarkus' {@code default-kafka-broker} map, which holds every {@code kafka.*}
 * property ({@code kafka.bootstrap.servers}, {@code kafka.security.protocol}, {@code
 * kafka.sasl.jaas.config}, ..., or their {@code KAFKA_*} environment variables) without the prefix.
 */
@ApplicationScoped
public class EventProducer {

  private final KafkaProducer<String, String> producer;

  EventProducer(@Identifier("default-kafka-broker") Map<String, Object> kafka) {
    this.producer = new KafkaProducer<>(config(kafka));
  }

  /**
   * The producer's configuration: every shared Kafka setting as it is (a consumer's, such as {@code
   * group.id}, is ignored by a producer; {@code tls-configuration-name} reaches Quarkus' TLS
   * registry), then the producer's own guarantees.
   */
  static Map<String, Object> config(Map<String, Object> kafka) {
    Map<String, Object> config = new HashMap<>(kafka);
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    config.put(ProducerConfig.CLIENT_ID_CONFIG, "slipway-events");
    config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    return config;
  }

  public Future<RecordMetadata> send(String topic, String key, String payload) {
    return producer.send(new ProducerRecord<>(topic, key, payload));
  }

  @PreDestroy
  void close() {
    producer.close();
  }
}
