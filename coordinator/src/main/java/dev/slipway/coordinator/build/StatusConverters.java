package dev.slipway.coordinator.build;

import dev.slipway.common.status.BuildStatus;
import dev.slipway.common.status.StepStatus;
import dev.slipway.platform.persistence.WireNameConverter;
import jakarta.persistence.Converter;

/** Build and step statuses in the database. */
final class StatusConverters {

  private StatusConverters() {}

  @Converter
  static class BuildStatusConverter extends WireNameConverter<BuildStatus> {
    BuildStatusConverter() {
      super(BuildStatus.class);
    }
  }

  @Converter
  static class StepStatusConverter extends WireNameConverter<StepStatus> {
    StepStatusConverter() {
      super(StepStatus.class);
    }
  }
}
