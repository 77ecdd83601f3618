package dev.slipway.platform.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class EventProducerConfigTest {

  @Test
  void takesTheSharedConnectionAndSecuritySettings() {
    Map<String, Object> config =
        EventProducer.config(
            Map.of(
                "bootstrap.servers", "kafka-1:9093",
                "security.protocol", "SASL_SSL",
                "sasl.mechanism", "SCRAM-SHA-256",
                "sasl.jaas.config", "ScramLoginModule required username=\"u\" password=\"p\";",
                "ssl.truststore.location", "/etc/kafka/ca.p12",
                "ssl.endpoint.identification.algorithm", ""));

    assertEquals("kafka-1:9093", config.get("bootstrap.servers"));
    assertEquals("SASL_SSL", config.get("security.protocol"));
    assertEquals("SCRAM-SHA-256", config.get("sasl.mechanism"));
    assertEquals(
        "ScramLoginModule required username=\"u\" password=\"p\";", config.get("sasl.jaas.config"));
    assertEquals("/etc/kafka/ca.p12", config.get("ssl.truststore.location"));
    assertEquals("", config.get("ssl.endpoint.identification.algorithm"));
  }

  @Test
  void keepsItsOwnGuarantees() {
    Map<String, Object> config =
        EventProducer.config(
            Map.of(
                "bootstrap.servers", "127.0.0.1:9092",
                "acks", "0",
                "enable.idempotence", "false",
                "client.id", "other"));

    assertEquals("all", config.get("acks"));
    assertEquals(true, config.get("enable.idempotence"));
    assertEquals("slipway-events", config.get("client.id"));
  }
}
