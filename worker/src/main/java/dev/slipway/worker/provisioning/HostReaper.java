package dev.slipway.worker.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.events.EventCodec;
import dev.slipway.common.limits.Limits;
import dev.slipway.common.status.ResourceStatus;
import dev.slipway.platform.resource.Resource;
import dev.slipway.platform.resource.Resources;
import dev.slipway.platform.schedule.Periodic;
import dev.slipway.worker.allocation.Allocator;
import dev.slipway.worker.metrics.ReaperActions;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Keeps the dynamic hosts of script-host blueprints in line with their config, on a timer ({@code
 * slipway.provisioning.reap-interval}) of every allocator worker, the first round one interval
 * after it starts: destroys hosts idle past {@code idleTtl} beyond the warm pool (all idle hosts of
 * a disabled blueprint), makes hosts until {@code minIdle} are ready or being made, and, for
 * blueprints with a {@code list} script (at most every {@code list-interval}), destroys instances
 * carrying this installation's tag that Slipway does not know, and breaks hosts whose instance is
 * gone. Rounds of different workers may overlap: every action locks its host row or the allocation
 * queue, so each happens once. (Hosts whose making or destroying was left without a worker are
 * taken up by {@link ProvisioningJobs}.)
 */
@ApplicationScoped
public class HostReaper {

  private static final Logger LOG = Logger.getLogger(HostReaper.class);

  @Inject DynamicHostRepository hosts;
  @Inject ScriptHostBlueprint blueprint;
  @Inject Resources resources;
  @Inject Allocator allocator;
  @Inject HostScripts scripts;
  @Inject ProvisioningJobs jobs;
  @Inject HostProvisioning provisioning;
  @Inject ProvisioningBackoff backoff;
  @Inject ProvisioningConfig config;
  @Inject ReaperActions actions;

  @ConfigProperty(name = "slipway.worker.allocator.enabled")
  boolean allocatorRole;

  /** How many listings in a row must miss a ready host's instance before it counts as gone. */
  private static final int MISSES = 2;

  private final Map<String, Instant> listedAt = new ConcurrentHashMap<>();
  private final Map<String, Integer> missing = new ConcurrentHashMap<>();
  private Periodic timer;

  void start(@Observes StartupEvent event) {
    if (allocatorRole) {
      timer = Periodic.every("host-reaper", config.reapInterval(), this::reap);
    }
  }

  void stop(@Observes ShutdownEvent event) {
    if (timer != null) {
      timer.close();
    }
  }

  /** One round over every script-host blueprint. */
  void reap() {
    List<ScriptHostBlueprint.Configured> all;
    try {
      all = QuarkusTransaction.requiringNew().call(blueprint::configured);
    } catch (RuntimeException e) {
      LOG.warnf("reaping hosts failed, trying again next round: %s", e.toString());
      return;
    }
    if (!backoff.ended().isEmpty()) {
      try {
        QuarkusTransaction.requiringNew()
            .run(
                () ->
                    resources.retryAllocation(
                        Resource.TYPE_HOST, "a blueprint may make hosts again after failures"));
      } catch (RuntimeException e) {
        LOG.warnf("asking to serve waiting leases failed: %s", e.toString());
      }
    }
    for (ScriptHostBlueprint.Configured b : all) {
      try {
        retireIdle(b);
        if (b.record().enabled && b.config().minIdle() > 0) {
          QuarkusTransaction.requiringNew().run(() -> warm(b));
        }
        if (b.config().list() != null && due(b)) {
          reconcile(b);
        }
      } catch (RuntimeException e) {
        LOG.warnf(
            "reaping hosts of blueprint %s failed, trying again next round: %s",
            b.record().name, e.toString());
      }
    }
  }

  /** Destroys the hosts of {@code b} idle past its {@code idleTtl}, keeping {@code minIdle}. */
  private void retireIdle(ScriptHostBlueprint.Configured b) {
    List<Object[]> idle = QuarkusTransaction.requiringNew().call(() -> hosts.idle(b.record().id));
    boolean enabled = b.record().enabled;
    int keep = enabled ? b.config().minIdle() : 0;
    long ttl = b.config().idleTtl().toMillis();
    int surplus = idle.size() - keep;
    for (Object[] row : idle) { // the longest idle first
      if (surplus <= 0) {
        break;
      }
      String id = (String) row[0];
      double idleMillis = ((Number) row[1]).doubleValue();
      if (enabled && idleMillis < ttl) {
        break;
      }
      String why =
          enabled
              ? "idle for "
                  + Math.round(idleMillis / 1000)
                  + "s (idleTtl "
                  + b.config().idleTtl().toSeconds()
                  + "s)"
              : "its blueprint is disabled: drained";
      boolean retired =
          QuarkusTransaction.requiringNew()
              .call(
                  () -> {
                    allocator.lockQueue(Resource.TYPE_HOST); // counted as the allocator counts
                    Resource host = hosts.lock(id).orElse(null);
                    if (host == null
                        || host.status != ResourceStatus.ACTIVE
                        || host.leasesHeld > 0
                        || host.busyBy != null
                        || hosts.counts(b.record().id).idle() <= keep) {
                      return false; // leased or taken meanwhile, or the pool is down to minIdle
                    }
                    blueprint.destroy(host, why);
                    return true;
                  });
      if (retired) {
        actions.done(ReaperActions.HOST_RETIRED_IDLE);
        surplus--;
      }
    }
  }

  /** Makes hosts of {@code b} until {@code minIdle} are ready or being made, within its limits. */
  private void warm(ScriptHostBlueprint.Configured snapshot) {
    allocator.lockQueue(Resource.TYPE_HOST); // counted as the allocator counts
    ScriptHostBlueprint.Configured b = blueprint.configured(snapshot.record().id);
    if (b == null || !b.record().enabled || backoff.paused(b.record().id)) {
      return; // disabled or changed meanwhile, or its hosts keep failing
    }
    DynamicHostRepository.Counts counts = hosts.counts(b.record().id);
    long warm = counts.idle() + counts.warming();
    long alive = counts.alive();
    long provisioning = counts.provisioning();
    Integer max = b.config().maxResources();
    while (warm < b.config().minIdle()
        && (max == null || alive < max)
        && provisioning < b.config().maxProvisioning()) {
      blueprint.make(b, "to keep " + b.config().minIdle() + " ready (minIdle)");
      actions.done(ReaperActions.HOST_WARMED);
      warm++;
      alive++;
      provisioning++;
    }
  }

  private boolean due(ScriptHostBlueprint.Configured b) {
    Instant last = listedAt.get(b.record().id);
    Instant now = Instant.now();
    if (last != null && last.plus(config.listInterval()).isAfter(now)) {
      return false;
    }
    listedAt.put(b.record().id, now);
    return true;
  }

  /**
   * Compares what {@code b}'s {@code list} prints with its hosts: tagged instances unknown to
   * Slipway are destroyed, ready hosts whose instance is not listed are broken.
   */
  private void reconcile(ScriptHostBlueprint.Configured b) {
    String tag = QuarkusTransaction.requiringNew().call(hosts::tag);
    List<Object[]> before =
        QuarkusTransaction.requiringNew().call(() -> hosts.listed(b.record().id));
    Map<String, String> variables = new LinkedHashMap<>();
    variables.put("SLIPWAY_TAG", tag);
    variables.put("SLIPWAY_BLUEPRINT", b.record().name);
    HostScripts.Run run;
    try {
      run = scripts.run(b.config().list(), variables, "", b.config().timeouts().list());
    } catch (IOException e) {
      LOG.warnf("blueprint %s: list could not be started: %s", b.record().name, e.getMessage());
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (!run.succeeded()) {
      LOG.warnf(
          "blueprint %s: %s; nothing reconciled",
          b.record().name, run.failure("list", b.config().timeouts().list()));
      return;
    }
    JsonNode listed;
    try {
      listed = EventCodec.mapper().readTree(run.stdout());
    } catch (IOException e) {
      listed = null;
    }
    if (listed == null || !listed.isArray()) {
      LOG.warnf("blueprint %s: list printed no JSON array; nothing reconciled", b.record().name);
      return;
    }
    Set<String> present = new HashSet<>();
    for (JsonNode entry : listed) {
      String providerId =
          entry.path("providerId").isTextual() ? entry.get("providerId").asText() : null;
      if (providerId == null
          || providerId.isBlank()
          || providerId.length() > Limits.ID
          || !ProvisionOutput.plain(providerId)) {
        continue; // not an instance Slipway could have made, nor one it could name to destroy
      }
      present.add(providerId);
      if (!tag.equals(entry.path("tag").asText(null))) {
        continue; // another installation's, or untagged: never touched
      }
      String token = entry.path("token").isTextual() ? entry.get("token").asText() : null;
      if (token == null || token.length() > Limits.ID || !ProvisionOutput.plain(token)) {
        LOG.warnf(
            "blueprint %s: instance %s carries this installation's tag but no token; left alone",
            b.record().name, providerId);
        continue;
      }
      QuarkusTransaction.requiringNew().run(() -> adoptUnknown(b, providerId, token, entry));
    }
    for (Object[] row : before) {
      String id = (String) row[0];
      String providerId = (String) row[1];
      if (present.contains(providerId)) {
        missing.remove(id);
      } else if (missing.merge(id, 1, Integer::sum) >= MISSES) {
        // missing from two listings in a row: one empty or cut-short listing breaks nothing
        missing.remove(id);
        QuarkusTransaction.requiringNew().run(() -> vanished(id, providerId));
      }
    }
  }

  /**
   * Records an instance tagged by this installation that no host accounts for as a broken host
   * (history, events) and destroys it.
   */
  private void adoptUnknown(
      ScriptHostBlueprint.Configured b, String providerId, String token, JsonNode entry) {
    allocator.lockQueue(Resource.TYPE_HOST); // a host being made right now is known by its token
    if (hosts.known(providerId, token)) {
      return;
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> output = EventCodec.mapper().convertValue(entry, LinkedHashMap.class);
    String stray =
        provisioning.recordStray(
            b.record().id,
            b.record().name,
            providerId,
            output,
            "it carries this installation's tag (token " + token + ") but no host accounts for it");
    jobs.destroyAfterCommit(stray);
    actions.done(ReaperActions.STRAY_DESTROYED);
  }

  /**
   * Breaks ready host {@code id}, whose instance {@code providerId} the provider no longer lists.
   */
  private void vanished(String id, String providerId) {
    Resource host = hosts.lock(id).orElse(null);
    if (host == null
        || host.status != ResourceStatus.ACTIVE
        || !providerId.equals(host.providerId)) {
      return;
    }
    resources.move(
        host, ResourceStatus.BROKEN, "its instance " + providerId + " is gone from the provider");
    LOG.warnf("host %s (%s): its instance %s is gone from the provider", host.name, id, providerId);
    actions.done(ReaperActions.HOST_VANISHED);
    blueprint.retireIfIdle(host, "its instance is gone");
  }
}
