package dev.slipway.coordinator.plan;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * One validated plan step. {@code lease-host} uses {@code attributes}; {@code lease-working-copy}
 * uses {@code repository} and {@code ref} (null: the build's), and {@code host} (a lease-host step)
 * or {@code attributes} (of the host to choose); {@code run} uses {@code on} (the name of a lease
 * step), {@code command} and {@code timeoutSeconds}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StepSpec(
    String name,
    String kind,
    Map<String, String> attributes,
    String on,
    String command,
    Long timeoutSeconds,
    String repository,
    String ref,
    String host) {

  public static final String LEASE_HOST = "lease-host";
  public static final String LEASE_WORKING_COPY = "lease-working-copy";
  public static final String RUN = "run";

  static StepSpec leaseHost(String name, Map<String, String> attributes) {
    return new StepSpec(name, LEASE_HOST, attributes, null, null, null, null, null, null);
  }

  static StepSpec leaseWorkingCopy(
      String name, String repository, String ref, String host, Map<String, String> attributes) {
    return new StepSpec(
        name, LEASE_WORKING_COPY, attributes, null, null, null, repository, ref, host);
  }

  static StepSpec run(String name, String on, String command, long timeoutSeconds) {
    return new StepSpec(name, RUN, null, on, command, timeoutSeconds, null, null, null);
  }

  /** Whether the step leases something that a {@code run} step can run on. */
  @JsonIgnore
  public boolean isLease() {
    return LEASE_HOST.equals(kind) || LEASE_WORKING_COPY.equals(kind);
  }

  @JsonIgnore
  public boolean isWorkingCopy() {
    return LEASE_WORKING_COPY.equals(kind);
  }
}
