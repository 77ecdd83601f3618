package dev.slipway.platform.persistence;

import dev.slipway.common.status.Status;
import jakarta.persistence.AttributeConverter;

/** Stores a status by its wire name ({@code "active"}); one small subclass per status type. */
public abstract class WireNameConverter<S extends Enum<S> & Status>
    implements AttributeConverter<S, String> {

  private final Class<S> type;

  protected WireNameConverter(Class<S> type) {
    this.type = type;
  }

  @Override
  public String convertToDatabaseColumn(S status) {
    return status == null ? null : status.wireName();
  }

  @Override
  public S convertToEntityAttribute(String value) {
    return value == null ? null : Status.fromWire(type, value);
  }
}
