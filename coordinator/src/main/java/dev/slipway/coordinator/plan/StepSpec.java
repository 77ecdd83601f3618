package dev.slipway.coordinator.plan;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * One validated plan step. {@code lease-host} uses {@code attributes}; {@code lease-working-copy}
 * uses {@code repository} and {@code ref} (null: the build's), and {@code host} (a lease-host step)
 * or {@code attributes} (of the host to choose); {@code run} uses {@code on} (the name of a lease
 * step), {@code command}, {@code timeoutSeconds} and {@code env} (environment variables; values may
 * hold {@link Variables} placeholders, as the command may).
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
    String host,
    Map<String, String> env,
    List<String> dependsOn,
    String when) {

  public static final String LEASE_HOST = "lease-host";
  public static final String LEASE_WORKING_COPY = "lease-working-copy";
  public static final String RUN = "run";
  public static final String WAIT = "wait";

  /** {@code if}: runs when every step it depends on passed and no step failed (the default). */
  public static final String ON_SUCCESS = "on_success";

  /** {@code if}: runs once its dependencies are done, whatever they and the build became. */
  public static final String ALWAYS = "always";

  /** {@code if}: runs once its dependencies are done, only when a step of the build failed. */
  public static final String ON_FAILURE = "on_failure";

  static StepSpec leaseHost(String name, Map<String, String> attributes) {
    return new StepSpec(
        name, LEASE_HOST, attributes, null, null, null, null, null, null, null, null, null);
  }

  static StepSpec leaseWorkingCopy(
      String name, String repository, String ref, String host, Map<String, String> attributes) {
    return new StepSpec(
        name,
        LEASE_WORKING_COPY,
        attributes,
        null,
        null,
        null,
        repository,
        ref,
        host,
        null,
        null,
        null);
  }

  static StepSpec run(
      String name, String on, String command, long timeoutSeconds, Map<String, String> env) {
    return new StepSpec(
        name, RUN, null, on, command, timeoutSeconds, null, null, null, env, null, null);
  }

  static StepSpec waitForMessage(String name, long timeoutSeconds) {
    return new StepSpec(
        name, WAIT, null, null, null, timeoutSeconds, null, null, null, null, null, null);
  }

  /** This step with the steps it waits for and its {@code if}. */
  StepSpec withGraph(List<String> dependsOn, String when) {
    return new StepSpec(
        name,
        kind,
        attributes,
        on,
        command,
        timeoutSeconds,
        repository,
        ref,
        host,
        env,
        dependsOn,
        when);
  }

  /** Its {@code if}: {@link #ON_SUCCESS} unless it says otherwise. */
  @JsonIgnore
  public String condition() {
    return when == null ? ON_SUCCESS : when;
  }

  /** Whether the step leases something that a {@code run} step can run on. */
  @JsonIgnore
  public boolean isLease() {
    return LEASE_HOST.equals(kind) || LEASE_WORKING_COPY.equals(kind);
  }

  /** A {@code wait} step: it holds until a message passes or fails it, or its timeout. */
  @JsonIgnore
  public boolean isWait() {
    return WAIT.equals(kind);
  }

  @JsonIgnore
  public boolean isWorkingCopy() {
    return LEASE_WORKING_COPY.equals(kind);
  }
}
