package dev.slipway.platform.resource;

import dev.slipway.common.status.LeaseStatus;
import dev.slipway.common.status.ResourceStatus;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/** Statuses are stored by their wire names ({@code "active"}). */
public final class StatusConverters {

  private StatusConverters() {}

  @Converter
  public static class ResourceStatusConverter
      implements AttributeConverter<ResourceStatus, String> {
    @Override
    public String convertToDatabaseColumn(ResourceStatus status) {
      return status == null ? null : status.wireName();
    }

    @Override
    public ResourceStatus convertToEntityAttribute(String value) {
      return value == null ? null : ResourceStatus.fromWire(value);
    }
  }

  @Converter
  public static class LeaseStatusConverter implements AttributeConverter<LeaseStatus, String> {
    @Override
    public String convertToDatabaseColumn(LeaseStatus status) {
      return status == null ? null : status.wireName();
    }

    @Override
    public LeaseStatus convertToEntityAttribute(String value) {
      return value == null ? null : LeaseStatus.fromWire(value);
    }
  }
}
