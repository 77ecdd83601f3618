package dev.slipway.worker.provisioning;

import dev.slipway.common.events.EventCodec;
import dev.slipway.common.limits.Limits;
import dev.slipway.common.status.LeaseStatus;
import dev.slipway.common.status.ResourceStatus;
import dev.slipway.platform.blueprint.BlueprintRecord;
import dev.slipway.platform.blueprint.BlueprintRepository;
import dev.slipway.platform.blueprint.ScriptHostConfig;
import dev.slipway.platform.lease.CommandTarget;
import dev.slipway.platform.lease.Lease;
import dev.slipway.platform.lease.LeaseGroup;
import dev.slipway.platform.lease.LeaseGroupRepository;
import dev.slipway.platform.lease.LeaseGroups;
import dev.slipway.platform.lease.Leases;
import dev.slipway.platform.persistence.DatabaseClock;
import dev.slipway.platform.resource.Resource;
import dev.slipway.platform.resource.ResourceRepository;
import dev.slipway.platform.resource.Resources;
import dev.slipway.worker.allocation.Allocator;
import dev.slipway.worker.allocation.GroupAllocation;
import dev.slipway.worker.hosts.HostDirectory;
import dev.slipway.worker.metrics.ProvisioningMeters;
import dev.slipway.worker.process.WorkerProcess;
import dev.slipway.worker.ssh.ExecResult;
import dev.slipway.worker.ssh.HostKeyScan;
import dev.slipway.worker.ssh.SshConnections;
import dev.slipway.worker.ssh.SshFailure;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Makes and destroys the hosts of script-host blueprints, outside any transaction (on {@link
 * ProvisioningJobs}' threads). Making a host: its pending row (with its token) was committed
 * before, so a crash at any point leaves something the reaper finds; {@code provision} runs; what
 * it printed is stored; the host becomes active only once SSH answers with the expected host key
 * and the probe command succeeds (retried with backoff up to {@code timeouts.ready}); then the
 * leases waiting for it become active. Any failure breaks the host and its waiting leases with the
 * reason, and destroys what was made. Destroying runs {@code destroy} until it succeeds.
 */
@ApplicationScoped
public class HostProvisioning {

  private static final Logger LOG = Logger.getLogger(HostProvisioning.class);
  private static final Duration FIRST_RETRY = Duration.ofMillis(250);
  private static final Duration MAX_RETRY = Duration.ofSeconds(5);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(30);

  @Inject ResourceRepository resourceRepository;
  @Inject Resources resources;
  @Inject BlueprintRepository blueprints;
  @Inject DynamicHostRepository hosts;
  @Inject HostScripts scripts;
  @Inject HostDirectory hostDirectory;
  @Inject SshConnections ssh;
  @Inject Leases leases;
  @Inject Allocator allocator;
  @Inject LeaseGroupRepository groupRepository;
  @Inject LeaseGroups leaseGroups;
  @Inject ProvisioningJobs jobs;
  @Inject ProvisioningBackoff backoff;
  @Inject ProvisioningMeters meters;
  @Inject DatabaseClock clock;

  /** What a job needs of a host and its blueprint, read in one transaction. */
  record Job(
      String id,
      String name,
      String token,
      String providerId,
      Map<String, Object> provisionOutput,
      Map<String, String> attributes,
      ResourceStatus status,
      String blueprintId,
      String blueprint,
      ScriptHostConfig config,
      String tag) {}

  /**
   * A host found without a worker. One whose {@code provision} had ended (its output is stored)
   * only lost the wait for SSH: that wait is resumed. One whose {@code provision} was cut short is
   * given up: broken, and destroyed by its token. Others are destroyed.
   */
  void takeUp(String id) {
    Job job = read(id);
    if (job == null) {
      return;
    }
    if (job.status() != ResourceStatus.PENDING) {
      destroy(id);
      return;
    }
    if (job.provisionOutput() == null) {
      fail(id, "the worker making it stopped before provision ended", null);
      return;
    }
    ProvisionOutput output;
    try {
      output =
          ProvisionOutput.parse(
              EventCodec.tree(job.provisionOutput()).toString(), job.config().user());
    } catch (ProvisionOutput.Unusable e) {
      fail(id, e.getMessage(), job.providerId());
      return;
    }
    LOG.infof("host %s (%s): resuming the wait for it to answer", job.name(), id);
    ready(id, output, job.config());
  }

  /** Makes pending host {@code id}, claimed by this worker. */
  void provision(String id) {
    Job job = read(id);
    if (job == null || job.status() != ResourceStatus.PENDING) {
      return;
    }
    ScriptHostConfig config = job.config();
    Duration timeout = config.timeouts().provision();
    LOG.infof("host %s (%s): provisioning with %s", job.name(), id, config.provision());
    HostScripts.Run run;
    try {
      run = scripts.run(config.provision(), variables(job), input(job), timeout);
    } catch (IOException e) {
      fail(id, "provision could not be started: " + e.getMessage(), null);
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return; // stopping (the script was killed): its claim goes stale, it is destroyed by token
    }
    log(id, "provision", run.stderr());
    if (!run.succeeded()) {
      fail(id, run.failure("provision", timeout), null);
      return;
    }
    ProvisionOutput output;
    try {
      output = ProvisionOutput.parse(run.stdout(), config.user());
    } catch (ProvisionOutput.Unusable e) {
      fail(id, e.getMessage(), e.providerId());
      return;
    }
    if (!Boolean.TRUE.equals(QuarkusTransaction.requiringNew().call(() -> record(id, output)))) {
      // taken up by another allocator meanwhile (this worker was thought dead): what was made
      // here is not that host's any more, so it is recorded on a row of its own and destroyed
      String stray =
          QuarkusTransaction.requiringNew()
              .call(
                  () ->
                      recordStray(
                          job.blueprintId(),
                          job.blueprint(),
                          output.providerId(),
                          output.raw(),
                          "made for host "
                              + id
                              + " by a worker thought dead; that host was given up meanwhile"));
      destroy(stray);
      return;
    }
    ready(id, output, config);
  }

  /**
   * Waits for host {@code id} to answer, then activates it and its waiting leases, or gives it up.
   * A worker that is stopping settles nothing: another allocator resumes the wait.
   */
  private void ready(String id, ProvisionOutput output, ScriptHostConfig config) {
    String notReady = awaitReady(id, output, config);
    if (notReady == null) {
      QuarkusTransaction.requiringNew().run(() -> activate(id));
      destroy(id); // released at once by its leases (if they were released meanwhile) and idle
      return;
    }
    if (!jobs.stopping()) {
      fail(id, notReady, output.providerId());
    }
  }

  /**
   * Writes a broken host of blueprint {@code blueprintId}, claimed by this worker, for an instance
   * no host accounts for ({@code providerId}, described by {@code output}), so that it is destroyed
   * like any broken host and its history and events say why.
   *
   * @return its id
   */
  String recordStray(
      String blueprintId,
      String blueprintName,
      String providerId,
      Map<String, Object> output,
      String why) {
    Resource stray = new Resource();
    stray.id = "host-" + UUID.randomUUID();
    stray.blueprintId = blueprintId;
    stray.type = Resource.TYPE_HOST;
    stray.status = ResourceStatus.PENDING;
    stray.name = blueprintName + "-stray-" + stray.id.substring(5, 17);
    stray.slots = 0; // never leased
    stray.providerId = providerId;
    stray.provisionOutput = output;
    stray.reason = "found: " + why;
    jobs.claim(stray);
    resources.create(stray);
    resources.move(
        stray, ResourceStatus.BROKEN, Limits.clip("instance " + providerId + ": " + why));
    LOG.warnf("blueprint %s: destroying instance %s: %s", blueprintName, providerId, why);
    return stray.id;
  }

  /** Stores what provision printed on the still pending host; false when it is no longer ours. */
  private boolean record(String id, ProvisionOutput output) {
    Resource host = ours(id, ResourceStatus.PENDING);
    if (host == null) {
      return false;
    }
    host.address = output.address();
    host.port = output.port();
    host.username = output.user();
    host.hostKey = output.hostKey();
    host.providerId = output.providerId();
    host.provisionOutput = output.raw();
    Map<String, String> attributes = new TreeMap<>(host.attributes);
    attributes.putAll(output.attributes());
    host.attributes = attributes;
    host.updatedAt = Instant.now();
    return true;
  }

  /**
   * Waits until the host answers over SSH with the expected key and the probe succeeds.
   *
   * @return null when it did, or why it never did within {@code timeouts.ready}
   */
  private String awaitReady(String id, ProvisionOutput output, ScriptHostConfig config) {
    Duration limit = config.timeouts().ready();
    Instant deadline = Instant.now().plus(limit);
    Duration pause = FIRST_RETRY;
    String problem = "it never answered";
    if (output.hostKey() == null && !config.trustFirstHostKey()) {
      return "provision printed no hostKey, and the blueprint does not trust a new host's first"
          + " key (config.trustFirstHostKey)";
    }
    boolean pinned = output.hostKey() != null;
    while (!jobs.stopping()) {
      try {
        if (!pinned) {
          String key = HostKeyScan.scan(output.address(), output.port(), PROBE_TIMEOUT);
          hostDirectory.pin(id, key);
          pinned = true;
          LOG.infof("host %s: pinned the key it presented first (trustFirstHostKey)", id);
        }
        HostDirectory.Login login = hostDirectory.login(id);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExecResult result =
            ssh.exec(login.host(), login.keyPair(), config.probe(), PROBE_TIMEOUT, out, out);
        if (result.exitCode() != null && result.exitCode() == 0) {
          return null;
        }
        problem =
            "the probe `"
                + config.probe()
                + "` "
                + (result.exitCode() == null ? "did not finish" : "exited " + result.exitCode());
      } catch (SshFailure e) {
        problem = e.getMessage();
      }
      if (Instant.now().plus(pause).isAfter(deadline)) {
        return "not reachable within " + limit.toSeconds() + "s: " + problem;
      }
      try {
        Thread.sleep(pause.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      pause = pause.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : pause.multipliedBy(2);
    }
    return "its worker stopped before it was ready";
  }

  /** The host is ready: it becomes active, and so do the leases that waited for it. */
  private void activate(String id) {
    Resource host = ours(id, ResourceStatus.PENDING);
    if (host == null) {
      return;
    }
    host.busySince = null;
    host.busyBy = null;
    backoff.succeeded(host.blueprintId);
    resources.move(host, ResourceStatus.ACTIVE, "ready: it answered over SSH and passed the probe");
    if (host.createdAt != null) {
      meters.ready(host.blueprintId, Duration.between(host.createdAt, clock.now()));
    }
    LOG.infof("host %s (%s) is ready", host.name, id);
    for (Lease lease : hosts.acquiredOn(id)) {
      leases.activate(lease, CommandTarget.home(id));
      if (lease.releaseReason != null) {
        allocator.release(lease.id, lease.releaseReason);
      }
    }
    resources.retryAllocation(Resource.TYPE_HOST, "host " + host.name + " is ready");
  }

  /**
   * Gives up making host {@code id}: breaks it and the leases waiting for it with {@code reason},
   * then destroys what was made (by its token, and {@code providerId} when known).
   */
  private void fail(String id, String reason, String providerId) {
    String why = Limits.clip("provisioning failed: " + reason);
    LOG.warnf("host %s: %s", id, why);
    boolean broken =
        Boolean.TRUE.equals(
            QuarkusTransaction.requiringNew()
                .call(
                    () -> {
                      Resource host = ours(id, ResourceStatus.PENDING);
                      if (host == null) {
                        return false;
                      }
                      if (host.providerId == null) {
                        host.providerId = providerId;
                      }
                      backoff.failed(host.blueprintId);
                      meters.failed(host.blueprintId);
                      resources.move(host, ResourceStatus.BROKEN, why);
                      for (Lease lease : hosts.acquiredOn(id)) {
                        leases.move(
                            lease,
                            LeaseStatus.BROKEN,
                            Limits.clip("its host could not be made: " + why));
                        resourceRepository.freeSlot(id);
                        if (lease.groupId != null) {
                          failGroupOf(lease, why);
                        }
                      }
                      return true;
                    }));
    if (broken) {
      destroy(id);
    }
  }

  /**
   * A lease group is granted before the hosts being made for its members are ready: when one of
   * them cannot be made, the group fails whole, so that none of it is left held. Its other members
   * give back what they hold (released; one still waiting for a host of its own is released once
   * that host is ready), each with a reason naming the member whose host failed.
   */
  private void failGroupOf(Lease member, String why) {
    LeaseGroup group =
        groupRepository
            .lock(member.groupId)
            .filter(g -> LeaseGroup.GRANTED.equals(g.status))
            .orElse(null);
    if (group == null) {
      return; // failed already (another member's host), or never granted
    }
    List<Lease> members = groupRepository.lockMembers(group.id);
    int index = members.stream().map(m -> m.id).toList().indexOf(member.id);
    String reason =
        Limits.clip(
            "lease group "
                + group.id
                + " failed: the host of "
                + GroupAllocation.member(members, index)
                + " could not be made: "
                + why);
    boolean freed = false;
    for (Lease other : members) {
      if (!other.id.equals(member.id) && other.status.holdsSlot()) {
        freed |= allocator.release(other.id, reason).isPresent();
      }
    }
    groupRepository.flush(); // the members' releases are written before the group's status
    leaseGroups.fail(group, reason);
    LOG.info(reason);
    if (freed) {
      resources.retryAllocation(Resource.TYPE_HOST, reason);
    }
  }

  /** Destroys released or broken host {@code id}, claimed by this worker. */
  void destroy(String id) {
    Job job = read(id);
    if (job == null
        || (job.status() != ResourceStatus.RELEASED && job.status() != ResourceStatus.BROKEN)) {
      return;
    }
    Duration timeout = job.config().timeouts().destroy();
    HostScripts.Run run;
    String failure;
    try {
      Map<String, String> variables = new LinkedHashMap<>(variables(job));
      variables.put("SLIPWAY_PROVIDER_ID", job.providerId() == null ? "" : job.providerId());
      String stdin =
          EventCodec.tree(job.provisionOutput() == null ? Map.of() : job.provisionOutput())
              .toString();
      run = scripts.run(job.config().destroy(), variables, stdin, timeout);
      log(id, "destroy", run.stderr());
      failure = run.succeeded() ? null : run.failure("destroy", timeout);
    } catch (IOException e) {
      failure = "destroy could not be started: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    String failed = failure;
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              Resource host = hosts.lock(id).orElse(null);
              if (host == null
                  || !WorkerProcess.ID.equals(host.busyBy)
                  || host.status == ResourceStatus.DESTROYED) {
                return;
              }
              host.busySince = null;
              host.busyBy = null;
              if (failed == null) {
                resources.move(host, ResourceStatus.DESTROYED, "destroyed by its blueprint");
                LOG.infof("host %s (%s) destroyed", host.name, id);
              } else {
                host.reason = Limits.clip(failed + " (tried again later)");
                host.updatedAt = Instant.now();
                LOG.warnf("host %s (%s): %s", host.name, id, host.reason);
              }
            });
  }

  /** Host {@code id} locked, if it is in {@code status} and claimed by this worker. */
  private Resource ours(String id, ResourceStatus status) {
    Resource host = hosts.lock(id).orElse(null);
    if (host == null || host.status != status || !WorkerProcess.ID.equals(host.busyBy)) {
      LOG.infof("host %s is no longer this worker's to settle", id);
      return null;
    }
    return host;
  }

  private Job read(String id) {
    return QuarkusTransaction.requiringNew()
        .call(
            () -> {
              Resource host = resourceRepository.findById(id);
              if (host == null || !WorkerProcess.ID.equals(host.busyBy)) {
                return null;
              }
              BlueprintRecord blueprint = blueprints.findById(host.blueprintId);
              ScriptHostConfig config;
              try {
                config = ScriptHostConfig.of(blueprint);
              } catch (ScriptHostConfig.Invalid e) {
                // nothing can run without it: the host waits, saying why, until an admin fixes
                // it (its claim goes stale and the job is taken up again)
                host.reason =
                    Limits.clip("its blueprint's config cannot be used: " + e.getMessage());
                LOG.warnf("host %s (%s): %s", host.name, id, host.reason);
                return null;
              }
              return new Job(
                  id,
                  host.name,
                  host.token,
                  host.providerId,
                  host.provisionOutput,
                  Map.copyOf(host.attributes),
                  host.status,
                  blueprint.id,
                  blueprint.name,
                  config,
                  hosts.tag());
            });
  }

  private static Map<String, String> variables(Job job) {
    Map<String, String> variables = new LinkedHashMap<>();
    variables.put("SLIPWAY_RESOURCE_ID", job.id());
    variables.put("SLIPWAY_TOKEN", job.token() == null ? "" : job.token());
    variables.put("SLIPWAY_TAG", job.tag());
    variables.put("SLIPWAY_BLUEPRINT", job.blueprint());
    variables.put("SLIPWAY_ATTRIBUTES", EventCodec.tree(job.attributes()).toString());
    return variables;
  }

  private static String input(Job job) {
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("resourceId", job.id());
    input.put("token", job.token());
    input.put("tag", job.tag());
    input.put("blueprint", job.blueprint());
    input.put("attributes", job.attributes());
    return EventCodec.tree(input).toString();
  }

  private void log(String id, String source, List<String> lines) {
    if (!lines.isEmpty()) {
      QuarkusTransaction.requiringNew().run(() -> hosts.log(id, source, lines));
    }
  }
}
