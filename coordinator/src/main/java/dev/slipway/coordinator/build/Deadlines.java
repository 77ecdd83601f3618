package dev.slipway.coordinator.build;

import dev.slipway.coordinator.plan.StepSpec;
import dev.slipway.platform.schedule.Periodic;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Fails what ran past its time: a {@code wait} step that got no message within its timeout, and a
 * build that runs longer than its plan's timeout. Every second it looks for them; each is failed
 * with its build locked, so replicas doing the same at once fail it once.
 */
@ApplicationScoped
public class Deadlines {

  private static final Logger LOG = Logger.getLogger(Deadlines.class);

  @Inject BuildRepository builds;
  @Inject BuildService service;

  private Periodic timer;

  void start(@Observes StartupEvent event) {
    timer = Periodic.every("deadlines", Duration.ofSeconds(1), this::sweep);
  }

  void stop(@Observes ShutdownEvent event) {
    if (timer != null) {
      timer.close();
    }
  }

  /** Runs {@code action} on build {@code id}; a failure is logged and leaves the others alone. */
  private static void safely(String id, Runnable action) {
    try {
      action.run();
    } catch (RuntimeException e) {
      LOG.warnf(e, "build %s could not be failed for its deadline; trying again in a second", id);
    }
  }

  void sweep() {
    try {
      List<Step> waiting =
          QuarkusTransaction.requiringNew()
              .call(
                  () ->
                      builds
                          .getEntityManager()
                          // literals, so that the partial index steps_running_waits serves it
                          .createNativeQuery(
                              "select * from steps where status = 'running' and kind = 'wait'",
                              Step.class)
                          .getResultList());
      Instant now = Instant.now();
      List<String> overdue =
          QuarkusTransaction.requiringNew()
              .call(
                  () ->
                      builds
                          .getEntityManager()
                          .createNativeQuery(
                              "select id from builds where status = 'running'"
                                  + " and timeout_seconds is not null"
                                  + " and started_at + make_interval(secs => timeout_seconds)"
                                  + " < now()",
                              String.class)
                          .getResultList());
      overdue.forEach(id -> safely(id, () -> service.timeOut(id)));
      for (Step step : waiting) {
        long timeout = ((StepSpec.Wait) step.spec).timeoutSeconds();
        if (step.startedAt != null && step.startedAt.plusSeconds(timeout).isBefore(now)) {
          safely(step.buildId, () -> service.timeOutWait(step.buildId, step.name, timeout));
        }
      }
    } catch (RuntimeException e) {
      LOG.warnf(
          e, "looking for builds and wait steps past their time failed; trying again in a second");
    }
  }
}
