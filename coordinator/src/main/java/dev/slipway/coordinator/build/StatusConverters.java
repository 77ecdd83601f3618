package dev.slipway.coordinator.build;

import dev.slipway.common.status.BuildStatus;
import dev.slipway.common.status.StepStatus;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/** Build and step statuses are stored by their wire names. */
final class StatusConverters {

  private StatusConverters() {}

  @Converter
  static class BuildStatusConverter implements AttributeConverter<BuildStatus, String> {
    @Override
    public String convertToDatabaseColumn(BuildStatus status) {
      return status == null ? null : status.wireName();
    }

    @Override
    public BuildStatus convertToEntityAttribute(String value) {
      return value == null ? null : BuildStatus.fromWire(value);
    }
  }

  @Converter
  static class StepStatusConverter implements AttributeConverter<StepStatus, String> {
    @Override
    public String convertToDatabaseColumn(StepStatus status) {
      return status == null ? null : status.wireName();
    }

    @Override
    public StepStatus convertToEntityAttribute(String value) {
      return value == null ? null : StepStatus.fromWire(value);
    }
  }
}
