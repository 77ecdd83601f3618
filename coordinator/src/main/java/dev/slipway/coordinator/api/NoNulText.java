package dev.slipway.coordinator.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.KeyDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;
import java.io.IOException;

/**
 * Refuses a NUL character ({@code \u0000}) in any text of a JSON document the application's
 * ObjectMapper reads, values and map keys alike: PostgreSQL cannot store it in {@code text} or
 * {@code jsonb}, so a request carrying one is refused with 400 naming the field instead of failing
 * when it is stored. (The Kafka events have their own mapper, {@code EventCodec}.)
 */
@Singleton
public class NoNulText implements ObjectMapperCustomizer {

  static final String MESSAGE = "a NUL character (\\u0000) is not allowed in text";

  @Override
  public void customize(ObjectMapper mapper) {
    SimpleModule module = new SimpleModule("slipway-no-nul-text");
    module.addDeserializer(String.class, new Values());
    module.addKeyDeserializer(String.class, new Keys());
    mapper.registerModule(module);
  }

  static String check(String text, JsonParser parser) throws MismatchedInputException {
    if (text != null && text.indexOf('\0') >= 0) {
      throw MismatchedInputException.from(parser, String.class, MESSAGE);
    }
    return text;
  }

  /** Text values: as Jackson reads them, without a NUL. */
  static final class Values extends StringDeserializer {
    @Override
    public String deserialize(JsonParser parser, DeserializationContext context)
        throws IOException {
      return check(super.deserialize(parser, context), parser);
    }
  }

  /** Keys of a {@code Map<String, ...>}: as they are, without a NUL. */
  static final class Keys extends KeyDeserializer {
    @Override
    public Object deserializeKey(String key, DeserializationContext context) throws IOException {
      return check(key, context.getParser());
    }
  }
}
