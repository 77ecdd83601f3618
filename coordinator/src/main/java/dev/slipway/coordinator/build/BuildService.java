package dev.slipway.coordinator.build;

import dev.slipway.common.events.BuildChanged;
import dev.slipway.common.events.EventTypes;
import dev.slipway.common.events.Topics;
import dev.slipway.common.git.GitRefs;
import dev.slipway.common.status.BuildStatus;
import dev.slipway.common.status.StepStatus;
import dev.slipway.coordinator.api.ApiException;
import dev.slipway.coordinator.auth.Caller;
import dev.slipway.coordinator.plan.Plan;
import dev.slipway.coordinator.plan.PlanService;
import dev.slipway.coordinator.plan.StepSpec;
import dev.slipway.coordinator.repository.RepositoryPolicy;
import dev.slipway.platform.outbox.Outbox;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.util.HashMap;
import java.util.List;
import java.util.UUID;

/** Creates builds from plans and starts them. */
@ApplicationScoped
public class BuildService {

  @Inject PlanService plans;
  @Inject BuildRepository builds;
  @Inject BuildEngine engine;
  @Inject Outbox outbox;
  @Inject Caller caller;
  @Inject RepositoryPolicy repositories;

  @Transactional
  public Build create(BuildRequest request) {
    if (request.plan() == null || request.plan().isBlank()) {
      throw ApiException.badRequest("plan", "plan is required");
    }
    if (request.repository() != null) {
      repositories.check("repository", request.repository());
    }
    for (String[] ref :
        new String[][] {{"commit", request.commit()}, {"branch", request.branch()}}) {
      String problem = ref[1] == null ? null : GitRefs.refProblem(ref[1]);
      if (problem != null) {
        throw ApiException.badRequest(ref[0], problem);
      }
    }
    Plan plan = plans.get(request.plan());
    List<StepSpec> specs = plans.parse(plan.yaml);
    Build build = new Build();
    build.id = "build-" + UUID.randomUUID();
    build.planName = plan.name;
    build.planYaml = plan.yaml;
    build.status = BuildStatus.PENDING;
    build.repository = request.repository();
    build.commit = request.commit();
    build.branch = request.branch();
    build.requestedBy = caller.subject();
    build.variables = request.variables() == null ? new HashMap<>() : request.variables();
    builds.persist(build);
    for (int i = 0; i < specs.size(); i++) {
      StepSpec spec = specs.get(i);
      Step step = new Step();
      step.buildId = build.id;
      step.idx = i;
      step.name = spec.name();
      step.kind = spec.kind();
      step.spec = spec;
      step.status = StepStatus.PENDING;
      builds.getEntityManager().persist(step);
    }
    builds.flush();
    outbox.publish(
        Topics.BUILDS,
        EventTypes.BUILD_CREATED,
        build.id,
        new BuildChanged(build.id, build.planName, build.status.wireName(), null, null, null));
    engine.advance(build);
    return build;
  }

  /** Aborts build {@code id} (see {@link BuildEngine#abort}); returns it. */
  @Transactional
  public Build abort(String id, String reason) {
    Build build = builds.lock(id).orElseThrow(() -> ApiException.notFound("build", id));
    engine.abort(build, reason);
    return build;
  }
}
