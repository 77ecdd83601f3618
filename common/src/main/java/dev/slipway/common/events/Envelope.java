package dev.slipway.common.events;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.UUID;

/**
 * The one envelope every Slipway message travels in: {@code {id, type, time, key, schema, data}}.
 *
 * @param id unique event id; consumers recognise a redelivery by it
 * @param type dotted event type, see {@link EventTypes}
 * @param time when the event was created
 * @param key the Kafka record key (build, lease, resource or command id)
 * @param schema version of {@code data}'s shape for this type
 * @param data the payload
 */
public record Envelope(
    String id, String type, Instant time, String key, int schema, JsonNode data) {

  public static final int SCHEMA = 1;

  public static Envelope of(String type, String key, JsonNode data) {
    return new Envelope(UUID.randomUUID().toString(), type, Instant.now(), key, SCHEMA, data);
  }
}
