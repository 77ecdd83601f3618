package dev.slipway.coordinator.plan;

import dev.slipway.coordinator.api.ApiException;
import dev.slipway.coordinator.api.Checks;
import dev.slipway.coordinator.auth.Caller;
import dev.slipway.coordinator.build.BuildConfig;
import dev.slipway.coordinator.repository.RepositoryPolicy;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** Stores plans after checking that they parse, keeping every version of each. */
@ApplicationScoped
public class PlanService {

  @Inject PlanRepository plans;
  @Inject BuildConfig config;
  @Inject RepositoryPolicy repositories;
  @Inject Caller caller;

  /**
   * What {@link #save} did.
   *
   * @param plan the plan as it is now; {@code plan.version} is its current version
   * @param created the plan is new (its version is 1)
   * @param changed a new version was made: the plan is new or its YAML differed
   */
  public record Saved(Plan plan, boolean created, boolean changed) {}

  /**
   * Creates plan {@code name} at version 1, or makes version N+1 of it when {@code yaml} differs
   * (character for character) from its current version N; the same YAML again changes nothing.
   */
  @Transactional
  public Saved save(String name, String yaml) {
    Checks.name("name", name);
    parse(yaml);
    boolean created = plans.insertIfAbsent(name, yaml);
    Plan plan = plans.lock(name).orElseThrow();
    if (created) {
      addVersion(plan);
      return new Saved(plan, true, true);
    }
    if (Objects.equals(plan.yaml, yaml)) {
      return new Saved(plan, false, false);
    }
    plan.yaml = yaml;
    plan.version++;
    plan.updatedAt = Instant.now();
    addVersion(plan);
    return new Saved(plan, false, true);
  }

  private void addVersion(Plan plan) {
    PlanVersion version = new PlanVersion();
    version.planName = plan.name;
    version.version = plan.version;
    version.yaml = plan.yaml;
    version.createdAt = plan.updatedAt == null ? Instant.now() : plan.updatedAt;
    version.createdBy = caller.subject();
    plans.addVersion(version);
  }

  public Plan get(String name) {
    return plans.findByIdOptional(name).orElseThrow(() -> ApiException.notFound("plan", name));
  }

  /** Every plan, by name. */
  public List<Plan> all() {
    return plans.listAll(Sort.ascending("name"));
  }

  /** Every version of plan {@code name}, newest first; 404 when there is no such plan. */
  public List<PlanVersion> versions(String name) {
    get(name);
    return plans.versions(name);
  }

  /**
   * Version {@code version} of plan {@code name}: 404 when the plan does not exist, and 404 naming
   * {@code field} when it has no such version.
   */
  public PlanVersion version(String name, int version, String field) {
    Plan plan = get(name);
    return plans
        .version(name, version)
        .orElseThrow(
            () ->
                new ApiException(
                    404,
                    "not-found",
                    "plan '"
                        + name
                        + "' has no version "
                        + version
                        + " (its versions are 1 to "
                        + plan.version
                        + ")",
                    field));
  }

  public List<StepSpec> parse(String yaml) {
    return PlanParser.parse(
        yaml, config.defaultCommandTimeout().toSeconds(), repositories.allowFile());
  }
}
