package dev.slipway.coordinator.plan;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * One validated plan step. {@code lease-host} uses {@code attributes}; {@code run} uses {@code on}
 * (the name of a lease step), {@code command} and {@code timeoutSeconds}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StepSpec(
    String name,
    String kind,
    Map<String, String> attributes,
    String on,
    String command,
    Long timeoutSeconds) {

  public static final String LEASE_HOST = "lease-host";
  public static final String RUN = "run";

  @JsonIgnore
  public boolean isLease() {
    return LEASE_HOST.equals(kind);
  }
}
