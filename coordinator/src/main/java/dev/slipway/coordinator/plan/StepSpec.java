package dev.slipway.coordinator.plan;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;
import java.util.Map;

/**
 * One validated plan step: one record per kind. Every step has a {@code name}, the steps it waits
 * for ({@code dependsOn}, filled in by {@link PlanParser}: its {@code depends_on}, else the step
 * before it, and always the lease step it {@link #uses}) and its {@code if} ({@code when}). Stored
 * as JSON with its {@code kind}; see docs/plans.md for the syntax.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true) // rows written before a field moved or went
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "kind")
@JsonSubTypes({
  @JsonSubTypes.Type(value = StepSpec.LeaseHost.class, name = StepSpec.LEASE_HOST),
  @JsonSubTypes.Type(value = StepSpec.LeaseWorkingCopy.class, name = StepSpec.LEASE_WORKING_COPY),
  @JsonSubTypes.Type(value = StepSpec.Run.class, name = StepSpec.RUN),
  @JsonSubTypes.Type(value = StepSpec.Wait.class, name = StepSpec.WAIT),
  @JsonSubTypes.Type(value = StepSpec.UploadArtifact.class, name = StepSpec.UPLOAD_ARTIFACT),
  @JsonSubTypes.Type(value = StepSpec.DownloadArtifact.class, name = StepSpec.DOWNLOAD_ARTIFACT)
})
public sealed interface StepSpec {

  String LEASE_HOST = "lease-host";
  String LEASE_WORKING_COPY = "lease-working-copy";
  String RUN = "run";
  String WAIT = "wait";
  String UPLOAD_ARTIFACT = "upload-artifact";
  String DOWNLOAD_ARTIFACT = "download-artifact";

  /** {@code if}: runs when every step it depends on passed and no step failed (the default). */
  String ON_SUCCESS = "on_success";

  /** {@code if}: runs once its dependencies are done, whatever they and the build became. */
  String ALWAYS = "always";

  /** {@code if}: runs once its dependencies are done, only when a step of the build failed. */
  String ON_FAILURE = "on_failure";

  String name();

  /** The steps it waits for; null only in steps stored before plans had graphs. */
  List<String> dependsOn();

  /** Its {@code if} as written; null: {@link #ON_SUCCESS}. */
  String when();

  @JsonIgnore
  String kind();

  /** This step with the steps it waits for and its {@code if}. */
  StepSpec withGraph(List<String> dependsOn, String when);

  /**
   * The lease step whose host (and directory) this step works on or sits on ({@code on}, {@code
   * from}, {@code host}); null when it names none.
   */
  @JsonIgnore
  default String uses() {
    return null;
  }

  /** Its {@code if}: {@link #ON_SUCCESS} unless it says otherwise. */
  @JsonIgnore
  default String condition() {
    return when() == null ? ON_SUCCESS : when();
  }

  /** Whether the step leases something that other steps can work on. */
  @JsonIgnore
  default boolean isLease() {
    return this instanceof LeaseHost || this instanceof LeaseWorkingCopy;
  }

  /**
   * {@code lease-host}: a host with {@code attributes}; with a {@code group}, leased together with
   * the other lease-host steps of that group, all or nothing (a lease group).
   */
  record LeaseHost(
      String name,
      Map<String, String> attributes,
      String group,
      List<String> dependsOn,
      String when)
      implements StepSpec {
    @Override
    public String kind() {
      return LEASE_HOST;
    }

    @Override
    public LeaseHost withGraph(List<String> dependsOn, String when) {
      return new LeaseHost(name, attributes, group, dependsOn, when);
    }
  }

  /**
   * {@code lease-working-copy}: a working copy of {@code repository} (null: the build's) at {@code
   * ref} (null: the build's commit, else its branch), on the host of lease-host step {@code host}
   * or on a host with {@code attributes}.
   */
  record LeaseWorkingCopy(
      String name,
      String repository,
      String ref,
      String host,
      Map<String, String> attributes,
      List<String> dependsOn,
      String when)
      implements StepSpec {
    @Override
    public String kind() {
      return LEASE_WORKING_COPY;
    }

    @Override
    public String uses() {
      return host;
    }

    @Override
    public LeaseWorkingCopy withGraph(List<String> dependsOn, String when) {
      return new LeaseWorkingCopy(name, repository, ref, host, attributes, dependsOn, when);
    }
  }

  /**
   * {@code run}: {@code command} on the lease of step {@code on} (in a working copy's directory),
   * with {@code env}; {@link Variables} placeholders may appear in both.
   */
  record Run(
      String name,
      String on,
      String command,
      long timeoutSeconds,
      Map<String, String> env,
      List<String> dependsOn,
      String when)
      implements StepSpec {
    @Override
    public String kind() {
      return RUN;
    }

    @Override
    public String uses() {
      return on;
    }

    @Override
    public Run withGraph(List<String> dependsOn, String when) {
      return new Run(name, on, command, timeoutSeconds, env, dependsOn, when);
    }
  }

  /** {@code wait}: holds until a message passes or fails it, or {@code timeoutSeconds} pass. */
  record Wait(String name, long timeoutSeconds, List<String> dependsOn, String when)
      implements StepSpec {
    @Override
    public String kind() {
      return WAIT;
    }

    @Override
    public Wait withGraph(List<String> dependsOn, String when) {
      return new Wait(name, timeoutSeconds, dependsOn, when);
    }
  }

  /**
   * {@code upload-artifact}: copies {@code path} (a file, a directory or a glob, relative to the
   * directory of lease step {@code from}) into the build's artifact {@code artifact}.
   */
  record UploadArtifact(
      String name, String from, String path, String artifact, List<String> dependsOn, String when)
      implements StepSpec {
    @Override
    public String kind() {
      return UPLOAD_ARTIFACT;
    }

    @Override
    public String uses() {
      return from;
    }

    @Override
    public UploadArtifact withGraph(List<String> dependsOn, String when) {
      return new UploadArtifact(name, from, path, artifact, dependsOn, when);
    }
  }

  /**
   * {@code download-artifact}: puts the build's artifact {@code artifact} at {@code path} (null:
   * the artifact's name) in the directory of lease step {@code on}.
   */
  record DownloadArtifact(
      String name, String artifact, String on, String path, List<String> dependsOn, String when)
      implements StepSpec {
    @Override
    public String kind() {
      return DOWNLOAD_ARTIFACT;
    }

    @Override
    public String uses() {
      return on;
    }

    @Override
    public DownloadArtifact withGraph(List<String> dependsOn, String when) {
      return new DownloadArtifact(name, artifact, on, path, dependsOn, when);
    }
  }
}
