package dev.slipway.coordinator.build;

import dev.slipway.platform.schedule.Periodic;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
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

  /**
   * Times out running builds and wait steps past their time, both compared on the database's clock
   * (they were started on it: {@link dev.slipway.platform.persistence.DatabaseClock}).
   */
  @SuppressWarnings("unchecked")
  void sweep() {
    try {
      List<Object[]> waits =
          QuarkusTransaction.requiringNew()
              .call(
                  () ->
                      builds
                          .getEntityManager()
                          // literals, so that the partial index steps_running_waits serves it
                          .createNativeQuery(
                              "select build_id, name, cast(spec ->> 'timeoutSeconds' as bigint)"
                                  + " from steps where status = 'running' and kind = 'wait'"
                                  + " and started_at + make_interval(secs =>"
                                  + " cast(spec ->> 'timeoutSeconds' as bigint)) < now()")
                          .getResultList());
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
      for (Object[] wait : waits) {
        String buildId = (String) wait[0];
        String name = (String) wait[1];
        long timeout = ((Number) wait[2]).longValue();
        safely(buildId, () -> service.timeOutWait(buildId, name, timeout));
      }
    } catch (RuntimeException e) {
      LOG.warnf(
          e, "looking for builds and wait steps past their time failed; trying again in a second");
    }
  }
}
