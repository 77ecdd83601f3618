package dev.slipway.coordinator.build;

import dev.slipway.common.status.StepStatus;
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
 * Fails a {@code wait} step that got no message within its timeout. Every second it looks for
 * running wait steps past their time; each is failed with its build locked, so replicas doing the
 * same at once fail it once.
 */
@ApplicationScoped
public class WaitTimeouts {

  private static final Logger LOG = Logger.getLogger(WaitTimeouts.class);

  @Inject BuildRepository builds;
  @Inject BuildService service;

  private Periodic timer;

  void start(@Observes StartupEvent event) {
    timer = Periodic.every("wait-timeouts", Duration.ofSeconds(1), this::sweep);
  }

  void stop(@Observes ShutdownEvent event) {
    if (timer != null) {
      timer.close();
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
                          .createQuery("from Step where status = ?1 and kind = 'wait'", Step.class)
                          .setParameter(1, StepStatus.RUNNING)
                          .getResultList());
      Instant now = Instant.now();
      for (Step step : waiting) {
        if (step.startedAt != null
            && step.startedAt.plusSeconds(step.spec.timeoutSeconds()).isBefore(now)) {
          service.timeOutWait(step.buildId, step.name, step.spec.timeoutSeconds());
        }
      }
    } catch (RuntimeException e) {
      LOG.warnf(e, "looking for wait steps past their timeout failed; trying again in a second");
    }
  }
}
