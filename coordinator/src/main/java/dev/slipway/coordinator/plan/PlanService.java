package dev.slipway.coordinator.plan;

import dev.slipway.coordinator.api.ApiException;
import dev.slipway.coordinator.build.BuildConfig;
import dev.slipway.coordinator.repository.RepositoryPolicy;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

/** Stores plans after checking that they parse. */
@ApplicationScoped
public class PlanService {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

  @Inject PlanRepository plans;
  @Inject BuildConfig config;
  @Inject RepositoryPolicy repositories;

  /** Creates or replaces plan {@code name}; returns whether it was new. */
  @Transactional
  public boolean save(String name, String yaml) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw ApiException.badRequest("name", "name must match " + NAME.pattern());
    }
    parse(yaml);
    Plan plan = plans.findById(name);
    boolean created = plan == null;
    if (created) {
      plan = new Plan();
      plan.name = name;
    }
    plan.yaml = yaml;
    plan.updatedAt = Instant.now();
    plans.persist(plan);
    return created;
  }

  public Plan get(String name) {
    return plans.findByIdOptional(name).orElseThrow(() -> ApiException.notFound("plan", name));
  }

  /** Every plan, by name. */
  public List<Plan> all() {
    return plans.listAll(Sort.ascending("name"));
  }

  public List<StepSpec> parse(String yaml) {
    return PlanParser.parse(
        yaml, config.defaultCommandTimeout().toSeconds(), repositories.allowFile());
  }
}
