package dev.slipway.platform.resource;

import dev.slipway.common.status.LeaseStatus;
import dev.slipway.common.status.ResourceStatus;
import dev.slipway.platform.persistence.WireNameConverter;
import jakarta.persistence.Converter;

/** Resource and lease statuses in the database. */
public final class StatusConverters {

  private StatusConverters() {}

  @Converter
  public static class ResourceStatusConverter extends WireNameConverter<ResourceStatus> {
    public ResourceStatusConverter() {
      super(ResourceStatus.class);
    }
  }

  @Converter
  public static class LeaseStatusConverter extends WireNameConverter<LeaseStatus> {
    public LeaseStatusConverter() {
      super(LeaseStatus.class);
    }
  }
}
