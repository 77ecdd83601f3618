package dev.slipway.common.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/** JSON encoding of envelopes and their payload records. */
public final class EventCodec {

  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private EventCodec() {}

  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** Wraps a payload record in a new envelope. */
  public static Envelope envelope(String type, String key, Object data) {
    return Envelope.of(type, key, MAPPER.valueToTree(data));
  }

  public static String encode(Envelope envelope) {
    try {
      return MAPPER.writeValueAsString(envelope);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot encode event " + envelope.type(), e);
    }
  }

  /**
   * Parses an envelope, checking that it has every field.
   *
   * @throws MalformedEventException when the text is not a complete envelope
   */
  public static Envelope decode(String text) {
    if (text == null) {
      throw new MalformedEventException("empty message");
    }
    Envelope envelope;
    try {
      envelope = MAPPER.readValue(text, Envelope.class);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new MalformedEventException("not a Slipway event: " + e.getMessage(), e);
    }
    if (envelope == null
        || envelope.id() == null
        || envelope.type() == null
        || envelope.data() == null
        || envelope.data().isNull()) {
      throw new MalformedEventException("event lacks id, type or data");
    }
    return envelope;
  }

  /**
   * Reads an envelope's payload as {@code type}.
   *
   * @throws MalformedEventException when the payload does not have that shape
   */
  public static <T> T data(Envelope envelope, Class<T> type) {
    try {
      return MAPPER.treeToValue(envelope.data(), type);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new MalformedEventException(
          "event " + envelope.id() + " (" + envelope.type() + ") has a malformed payload", e);
    }
  }

  /** Converts any value into a JSON tree. */
  public static JsonNode tree(Object value) {
    return MAPPER.valueToTree(value);
  }
}
