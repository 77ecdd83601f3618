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
import dev.slipway.coordinator.plan.PlanParser;
import dev.slipway.coordinator.plan.PlanService;
import dev.slipway.coordinator.plan.PlanVersion;
import dev.slipway.coordinator.plan.StepSpec;
import dev.slipway.coordinator.plan.Variables;
import dev.slipway.coordinator.repository.RepositoryPolicy;
import dev.slipway.platform.outbox.Outbox;
import dev.slipway.platform.secrets.BuildSecrets;
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
  @Inject BuildSecrets secrets;
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
    if (request.planVersion() == null) {
      return start(plan.name, plan.yaml, plan.version, request, null);
    }
    if (request.planVersion() < 1) {
      throw ApiException.badRequest(
          "planVersion",
          "planVersion must be a whole number from 1, or left out for the current one");
    }
    PlanVersion version = plans.version(plan.name, request.planVersion(), "planVersion");
    return start(plan.name, version.yaml, version.version, request, null);
  }

  /**
   * Starts a new build of the same plan version, with the same repository, commit, branch and
   * variables, as build {@code id}, which it names as {@code restartOf}.
   */
  @Transactional
  public Build restart(String id) {
    Build old = builds.findByIdOptional(id).orElseThrow(() -> ApiException.notFound("build", id));
    return start(
        old.planName,
        old.planYaml,
        old.planVersion,
        new BuildRequest(
            old.planName, old.repository, old.commit, old.branch, old.variables, old.planVersion),
        old.id);
  }

  private Build start(
      String planName,
      String planYaml,
      Integer planVersion,
      BuildRequest request,
      String restartOf) {
    List<StepSpec> specs = plans.parse(planYaml);
    BuildVariables.check(request, specs);
    for (String secret : Variables.secretsUsed(specs)) {
      if (secrets.findByIdOptional(secret).isEmpty()) {
        throw ApiException.badRequest(
            "plan",
            "plan '"
                + planName
                + "' uses ${secrets."
                + secret
                + "}, which does not exist: an admin stores it with POST /api/v1/secrets");
      }
    }
    Build build = new Build();
    build.id = Build.ID_PREFIX + UUID.randomUUID();
    build.planName = planName;
    build.planYaml = planYaml;
    build.planVersion = planVersion;
    build.restartOf = restartOf;
    build.timeoutSeconds = PlanParser.buildTimeoutSeconds(planYaml);
    build.status = BuildStatus.PENDING;
    build.repository = request.repository();
    build.commit = request.commit();
    build.branch = request.branch();
    build.requestedBy = caller.subject();
    build.number =
        ((Number)
                builds
                    .getEntityManager()
                    .createNativeQuery(
                        "update plans set build_count = build_count + 1 where name = ?1"
                            + " returning build_count")
                    .setParameter(1, planName)
                    .getSingleResult())
            .longValue();
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

  /** Passes or fails the running wait step {@code step} of build {@code id}; returns the build. */
  @Transactional
  public Build message(String id, String step, boolean pass, String why) {
    Build build = builds.lock(id).orElseThrow(() -> ApiException.notFound("build", id));
    engine.endWait(build, step, pass, why);
    return build;
  }

  /** Fails build {@code id} if it still runs: it ran past its plan's timeout. */
  @Transactional
  public void timeOut(String id) {
    Build build = builds.lock(id).orElseThrow();
    if (!build.status.isFinal()) {
      engine.timeOut(build);
    }
  }

  /** Fails wait step {@code step} of build {@code id} if it still waits. */
  @Transactional
  public void timeOutWait(String id, String step, long timeoutSeconds) {
    Build build = builds.lock(id).orElseThrow();
    Step waiting = builds.step(id, step);
    if (waiting != null && waiting.status == StepStatus.RUNNING && !build.status.isFinal()) {
      engine.endWait(build, step, false, "no message within " + timeoutSeconds + " s");
    }
  }

  /** Aborts build {@code id} (see {@link BuildEngine#abort}); returns it. */
  @Transactional
  public Build abort(String id, String reason) {
    Build build = builds.lock(id).orElseThrow(() -> ApiException.notFound("build", id));
    engine.abort(build, reason);
    return build;
  }
}
