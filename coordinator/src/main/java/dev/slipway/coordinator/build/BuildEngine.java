package dev.slipway.coordinator.build;

import dev.slipway.common.events.BuildChanged;
import dev.slipway.common.events.CommandAbortRequested;
import dev.slipway.common.events.CommandFinished;
import dev.slipway.common.events.CommandOutput;
import dev.slipway.common.events.Envelope;
import dev.slipway.common.events.EventCodec;
import dev.slipway.common.events.EventTypes;
import dev.slipway.common.events.LeaseChanged;
import dev.slipway.common.events.MalformedEventException;
import dev.slipway.common.events.Topics;
import dev.slipway.common.git.GitRefs;
import dev.slipway.common.platform.Platform;
import dev.slipway.common.platform.Shell;
import dev.slipway.common.status.BuildStatus;
import dev.slipway.common.status.LeaseStatus;
import dev.slipway.common.status.StepStatus;
import dev.slipway.common.status.Transitions;
import dev.slipway.coordinator.plan.StepSpec;
import dev.slipway.coordinator.repository.RepositoryPolicy;
import dev.slipway.platform.command.Command;
import dev.slipway.platform.command.CommandRepository;
import dev.slipway.platform.lease.Lease;
import dev.slipway.platform.lease.LeaseGroups;
import dev.slipway.platform.lease.LeaseRepository;
import dev.slipway.platform.lease.Leases;
import dev.slipway.platform.metrics.Meters;
import dev.slipway.platform.outbox.Outbox;
import dev.slipway.platform.persistence.AfterCommit;
import dev.slipway.platform.persistence.DatabaseClock;
import dev.slipway.platform.resource.Resource;
import dev.slipway.platform.resource.ResourceRepository;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Moves builds through their plans: starts the next step when the previous one passes, reacts to
 * lease and command events, and when a build ends for any reason asks for every lease it holds to
 * be released. Every method runs in the caller's transaction with the build row locked.
 */
@ApplicationScoped
public class BuildEngine {

  private static final Logger LOG = Logger.getLogger(BuildEngine.class);

  @Inject BuildRepository builds;
  @Inject CommandRepository commands;
  @Inject LeaseRepository leaseRepository;
  @Inject Leases leases;
  @Inject LeaseGroups leaseGroups;
  @Inject Outbox outbox;
  @Inject LogStore logs;
  @Inject ResourceRepository resources;
  @Inject RepositoryPolicy repositoryPolicy;
  @Inject LogFollowers followers;
  @Inject TransactionSynchronizationRegistry transactions;
  @Inject BuildConfig config;
  @Inject DatabaseClock clock;
  @Inject MeterRegistry registry;

  /**
   * Starts every pending step whose dependencies are done and whose {@code if} holds, skips those
   * that can no longer run, releases the leases no step left needs, and finishes the build when no
   * step is pending or running. See docs/plans.md for the rules.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public void advance(Build build) {
    if (build.status.isFinal()) {
      return;
    }
    if (build.status == BuildStatus.PENDING) {
      build.status = Transitions.check("build " + build.id, build.status, BuildStatus.RUNNING);
      build.startedAt = clock.now();
      announce(build, EventTypes.BUILD_STARTED, null);
    }
    List<Step> steps = builds.steps(build.id);
    do {
      schedule(build, steps);
    } while (releaseUnneededLeases(build, steps));
    if (steps.stream()
        .noneMatch(s -> s.status == StepStatus.PENDING || s.status == StepStatus.RUNNING)) {
      Optional<Step> failed = firstFailed(steps);
      if (failed.isPresent()) {
        finish(build, BuildStatus.FAILED, "step " + failed.get().name + ": " + failed.get().reason);
      } else {
        finish(build, BuildStatus.PASSED, null);
      }
    }
  }

  /** Starts or skips every pending step whose dependencies are done, until none is left. */
  private void schedule(Build build, List<Step> steps) {
    boolean progressed = true;
    while (progressed) {
      progressed = false;
      for (Step step : steps) {
        if (step.status != StepStatus.PENDING) {
          continue;
        }
        List<Step> dependencies = dependencies(step, steps);
        if (dependencies.stream().anyMatch(d -> !d.status.isFinal())) {
          if (startsWithItsHost(step, dependencies, steps)) {
            start(build, step, steps);
            progressed = true;
          }
          continue;
        }
        String skip = whySkipped(step, dependencies, firstFailed(steps).isPresent());
        if (skip == null) {
          start(build, step, steps);
        } else {
          move(build, step, StepStatus.SKIPPED, skip);
        }
        progressed = true;
      }
    }
  }

  /**
   * Whether {@code step} is a working copy on a {@code host} step whose lease is still being
   * granted, and waits for nothing else: it is asked for at once, so that the allocator checks it
   * out in the transaction that makes the host lease active (two hand-offs fewer than asking once
   * the host step passed). Only for steps that run when all went well: if the host lease fails, the
   * copy's lease fails with it (and the host step is the build's first failure).
   */
  private static boolean startsWithItsHost(Step step, List<Step> dependencies, List<Step> steps) {
    if (!(step.spec instanceof StepSpec.LeaseWorkingCopy copy)
        || copy.host() == null
        || !StepSpec.ON_SUCCESS.equals(step.spec.condition())
        || firstFailed(steps).isPresent()) {
      return false;
    }
    Step host = stepNamed(steps, copy.host());
    return host.status == StepStatus.RUNNING
        && host.leaseId != null
        && dependencies.stream().allMatch(d -> d == host || d.status == StepStatus.PASSED);
  }

  /** The first failed step (a failed one before an aborted one: that is why it failed). */
  private static Optional<Step> firstFailed(List<Step> steps) {
    return steps.stream()
        .filter(s -> s.status == StepStatus.FAILED)
        .findFirst()
        .or(() -> steps.stream().filter(s -> s.status == StepStatus.ABORTED).findFirst());
  }

  /** The steps {@code step} waits for (before plans had graphs: the step before it). */
  private static List<Step> dependencies(Step step, List<Step> steps) {
    List<String> names = step.spec.dependsOn();
    if (names == null) {
      List<String> legacy = new java.util.ArrayList<>();
      if (step.idx > 0) {
        legacy.add(steps.get(step.idx - 1).name);
      }
      return legacy.stream().map(n -> stepNamed(steps, n)).toList();
    }
    return names.stream().map(n -> stepNamed(steps, n)).toList();
  }

  /** Why {@code step}, whose dependencies are done, does not run; null when it runs. */
  private static String whySkipped(Step step, List<Step> dependencies, boolean buildFailed) {
    String lease = step.spec.uses();
    Optional<Step> leased = dependencies.stream().filter(d -> d.name.equals(lease)).findFirst();
    if (leased.isPresent() && leased.get().status != StepStatus.PASSED) {
      return "its lease step " + lease + " " + leased.get().status.wireName();
    }
    return switch (step.spec.condition()) {
      case StepSpec.ALWAYS -> null;
      case StepSpec.ON_FAILURE -> buildFailed ? null : "no step failed (if: on_failure)";
      default ->
          buildFailed
              ? "a step of the build failed"
              : dependencies.stream()
                  .filter(d -> d.status != StepStatus.PASSED)
                  .findFirst()
                  .map(d -> "step " + d.name + " " + d.status.wireName())
                  .orElse(null);
    };
  }

  /**
   * Asks once for the release of every lease of a passed lease step that no pending or running step
   * needs any more: through {@code on} and {@code host}, a run step on a working copy needs the
   * copy and the host under it.
   */
  private boolean releaseUnneededLeases(Build build, List<Step> steps) {
    boolean failed = firstFailed(steps).isPresent();
    boolean gaveUp = false;
    java.util.Set<String> needed = new java.util.HashSet<>();
    for (Step step : steps) {
      boolean mayRun =
          step.status == StepStatus.RUNNING
              || (step.status == StepStatus.PENDING
                  && !(failed && StepSpec.ON_SUCCESS.equals(step.spec.condition())));
      if (mayRun && !(failed && step.spec.isLease() && step.status == StepStatus.RUNNING)) {
        for (StepSpec at = step.spec; at != null; ) {
          String next = at.uses();
          if (next == null || !needed.add(next)) {
            break;
          }
          at = stepNamed(steps, next).spec;
        }
      }
    }
    for (Step step : steps) {
      if (failed
          && step.spec.isLease()
          && step.status == StepStatus.RUNNING
          && !needed.contains(step.name)) {
        // still waiting for its lease, which no step that can still run needs: given up
        Lease lease = leaseRepository.findById(step.leaseId);
        if (lease != null
            && (lease.status == LeaseStatus.FAILED || lease.status == LeaseStatus.BROKEN)) {
          // it failed already (with the lease it sat on), its event not yet here: say so
          move(
              build,
              step,
              StepStatus.FAILED,
              "lease " + lease.status.wireName() + ": " + lease.reason);
        } else {
          if (lease != null && !lease.status.isFinal()) {
            leases.requestRelease(lease, "build " + build.id + " failed; nothing needs it");
          }
          step.leaseReleasedAt = clock.now();
          move(build, step, StepStatus.ABORTED, "not needed: a step of the build failed");
        }
        gaveUp = true;
      }
    }
    for (Step step : steps) {
      if (step.spec.isLease()
          && step.status == StepStatus.PASSED
          && step.leaseId != null
          && step.leaseReleasedAt == null
          && !needed.contains(step.name)) {
        step.leaseReleasedAt = clock.now();
        Lease lease = leaseRepository.findById(step.leaseId);
        if (lease != null && !lease.status.isFinal()) {
          leases.requestRelease(lease, "no step left in build " + build.id + " needs it");
        }
      }
    }
    return gaveUp; // steps that waited for the ones given up may now be skipped
  }

  private void start(Build build, Step step, List<Step> steps) {
    StepSpec spec = step.spec;
    if (spec instanceof StepSpec.Wait) { // until a message or its timeout (Deadlines)
      move(build, step, StepStatus.RUNNING, null);
      return;
    }
    if (spec instanceof StepSpec.LeaseWorkingCopy copy) {
      startWorkingCopy(build, step, copy, steps);
      return;
    }
    if (spec instanceof StepSpec.LeaseHost host && host.group() != null) {
      startGroup(build, host.group(), steps);
      return;
    }
    if (spec instanceof StepSpec.LeaseHost host) {
      Lease lease =
          leases.request(Resource.TYPE_HOST, host.attributes(), null, build.id, null, null);
      step.leaseId = lease.id;
      move(build, step, StepStatus.RUNNING, null);
      return;
    }
    Lease lease = leaseRepository.findById(stepNamed(steps, spec.uses()).leaseId);
    if (!lease.status.isCommandable()) {
      fail(build, step, "lease " + lease.id + " is " + lease.status.wireName());
      return;
    }
    if (lease.commandHostId == null) {
      fail(build, step, "lease " + lease.id + " says nowhere to run commands");
      return;
    }
    String hostId = lease.commandHostId; // where its blueprint says its commands run
    String directory = lease.commandDirectory;
    Command command = new Command();
    command.id = "cmd-" + UUID.randomUUID();
    command.buildId = build.id;
    command.stepName = step.name;
    command.leaseId = lease.id;
    command.resourceId = hostId;
    command.workingDirectory = directory;
    command.timeoutSeconds = config.defaultCommandTimeout().toSeconds();
    Map<String, String> values = BuildVariables.of(build, step.name);
    try {
      if (spec instanceof StepSpec.Run run) {
        Shell shell = Platform.of(resources.findById(hostId).attributes.get("platform")).shell();
        command.command = BuildVariables.command(run, shell, values);
        command.environment = BuildVariables.environment(run, values);
        command.secretEnvironment = BuildVariables.secretEnvironment(run);
        command.timeoutSeconds = run.timeoutSeconds();
      } else if (spec instanceof StepSpec.UploadArtifact upload) {
        command.action = Command.UPLOAD_ARTIFACT;
        command.artifactName = upload.artifact();
        command.artifactPath = BuildVariables.path(upload.path(), values);
        command.command = // shown in views; a comment to any shell, should one ever run it
            "# upload " + command.artifactPath + " as artifact " + command.artifactName;
      } else if (spec instanceof StepSpec.DownloadArtifact download) {
        command.action = Command.DOWNLOAD_ARTIFACT;
        command.artifactName = download.artifact();
        command.artifactPath =
            BuildVariables.path(
                download.path() == null ? download.artifact() : download.path(), values);
        command.command =
            "# download artifact " + command.artifactName + " to " + command.artifactPath;
      }
    } catch (IllegalArgumentException e) { // a value no shell can pass (NUL), or a missing one
      fail(build, step, "cannot fill the step's variables: " + e.getMessage());
      return;
    }
    commands.request(command);
    step.commandId = command.id;
    step.logId = command.id;
    outbox.publish(
        Topics.COMMAND_REQUESTS, EventTypes.COMMAND_REQUESTED, command.id, command.requested());
    move(build, step, StepStatus.RUNNING, null);
  }

  /**
   * Asks for a working copy of the step's repository (default: the build's) at its ref (default:
   * the build's commit, else its branch), on the host of its {@code host} step or on a host with
   * its attributes. What the checkout prints is kept as the log of a command record of the step.
   */
  private void startWorkingCopy(
      Build build, Step step, StepSpec.LeaseWorkingCopy spec, List<Step> steps) {
    String repository = spec.repository() != null ? spec.repository() : build.repository;
    String ref =
        spec.ref() != null ? spec.ref() : build.commit != null ? build.commit : build.branch;
    String problem =
        repository == null
            ? "no repository: the build has none and the step names none"
            : ref == null
                ? "no ref: the build has no commit or branch and the step names no ref"
                : Optional.ofNullable(repositoryPolicy.problem(repository))
                    .orElse(GitRefs.refProblem(ref));
    if (problem != null) {
      fail(build, step, problem);
      return;
    }
    String hostLease = spec.host() == null ? null : stepNamed(steps, spec.host()).leaseId;
    String logId = "log-" + UUID.randomUUID(); // the allocator streams the checkout's output to it
    Lease lease =
        leases.requestWorkingCopy(
            new Leases.WorkingCopyRequest(
                repository,
                ref,
                hostLease,
                spec.attributes() == null ? Map.of() : spec.attributes(),
                logId),
            build.id,
            null,
            null);
    step.leaseId = lease.id;
    step.logId = logId;
    move(build, step, StepStatus.RUNNING, null);
  }

  /** Fails a step that could not start; {@link #advance} goes on with the others. */
  private void fail(Build build, Step step, String reason) {
    move(build, step, StepStatus.RUNNING, null);
    move(build, step, StepStatus.FAILED, reason);
  }

  private static Step stepNamed(List<Step> steps, String name) {
    return steps.stream().filter(s -> s.name.equals(name)).findFirst().orElseThrow();
  }

  /**
   * The first lease-host step of {@code group} is ready: every step of the group still pending
   * starts with it, their hosts asked for as one lease group (granted all at once or not at all); a
   * lone step left (the others were skipped) asks for a lease of its own.
   */
  private void startGroup(Build build, String group, List<Step> steps) {
    List<Step> members =
        steps.stream()
            .filter(
                s ->
                    s.status == StepStatus.PENDING
                        && s.spec instanceof StepSpec.LeaseHost h
                        && group.equals(h.group()))
            .toList();
    List<String> leaseIds;
    if (members.size() == 1) {
      StepSpec.LeaseHost host = (StepSpec.LeaseHost) members.get(0).spec;
      leaseIds =
          List.of(
              leases.request(Resource.TYPE_HOST, host.attributes(), null, build.id, null, null).id);
    } else {
      leaseIds =
          leaseGroups
              .request(
                  members.stream()
                      .map(
                          s ->
                              new LeaseGroups.Member(
                                  ((StepSpec.LeaseHost) s.spec).attributes(), null))
                      .toList(),
                  build.id,
                  null,
                  null)
              .members()
              .stream()
              .map(l -> l.id)
              .toList();
    }
    for (int i = 0; i < members.size(); i++) {
      members.get(i).leaseId = leaseIds.get(i);
      move(build, members.get(i), StepStatus.RUNNING, null);
    }
  }

  /**
   * Whether {@link #onLeaseChanged} may act on this lease event: one of the types it acts on, of a
   * lease a build owns. The others (a lease acquired or released; one an operator took through the
   * API) are skipped without a transaction.
   */
  public static boolean actsOnLease(Envelope event) {
    String type = event.type();
    if (!EventTypes.LEASE_ACTIVATED.equals(type)
        && !EventTypes.LEASE_FAILED.equals(type)
        && !EventTypes.LEASE_BROKEN.equals(type)) {
      return false;
    }
    String owner;
    try {
      owner = EventCodec.data(event, LeaseChanged.class).owner();
    } catch (MalformedEventException e) {
      return true; // its handler dead-letters it
    }
    return owner != null && owner.startsWith(Build.ID_PREFIX);
  }

  /** A lease of one of the build's steps changed. */
  @Transactional(Transactional.TxType.MANDATORY)
  public void onLeaseChanged(LeaseChanged event) {
    onLease(event.leaseId(), LeaseStatus.fromWire(event.status()), event.reason());
  }

  /**
   * Lease {@code leaseId} of one of the build's steps is {@code status} now (for {@code reason}):
   * its step passes when it is active and fails when it failed or broke.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public void onLease(String leaseId, LeaseStatus status, String reason) {
    Optional<Step> found = builds.stepOfLease(leaseId);
    if (found.isEmpty()) {
      return; // not a build's lease (an operator's, through the API)
    }
    Build build = builds.lock(found.get().buildId).orElseThrow();
    Step step = builds.step(build.id, found.get().name);
    builds.getEntityManager().refresh(step); // as it is now that the build is locked
    if (step.status != StepStatus.RUNNING) {
      return;
    }
    if (status == LeaseStatus.ACTIVE) {
      move(build, step, StepStatus.PASSED, null);
    } else if (status == LeaseStatus.FAILED || status == LeaseStatus.BROKEN) {
      move(build, step, StepStatus.FAILED, "lease " + status.wireName() + ": " + reason);
    } else {
      return;
    }
    advance(build);
  }

  /**
   * A command of one of the build's steps finished. Its step completes once every byte of output
   * the runner announced is stored, so that a finished build always has its whole log.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public void onCommandFinished(CommandFinished result) {
    Optional<Command> found = commands.findByIdOptional(result.commandId());
    if (found.isEmpty()) {
      LOG.warnf("result for unknown command %s ignored", result.commandId());
      return;
    }
    Build build = builds.lock(found.get().buildId).orElseThrow();
    Command command = found.get();
    if (command.result != null) {
      return; // already received
    }
    command.result = result;
    command.resultAt = clock.now();
    completeIfOutputStored(build, command);
  }

  /**
   * A chunk of a step's log arrived (a command's output, or a checkout's): store it, and complete
   * the step if it was the last of its command's.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public void onCommandOutput(CommandOutput chunk) {
    Optional<Build> build = builds.lock(chunk.buildId());
    if (build.isEmpty() || builds.stepOfLog(chunk.buildId(), chunk.commandId()).isEmpty()) {
      LOG.warnf(
          "output for log %s of no step of build %s ignored", chunk.commandId(), chunk.buildId());
      return;
    }
    logs.append(chunk);
    Optional<Command> command = commands.findByIdOptional(chunk.commandId());
    if (command.isPresent() && command.get().result != null) {
      completeIfOutputStored(build.get(), command.get());
    }
  }

  /**
   * Completes the step of command {@code commandId}, whose result has arrived, with whatever of its
   * output is stored: the rest is marked as never arrived (its events were lost). Nothing happens
   * when the step has moved on.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public void completeWithoutMissingOutput(String commandId) {
    Command command = commands.findById(commandId);
    if (command == null || command.result == null) {
      return;
    }
    Build build = builds.lock(command.buildId).orElseThrow();
    Step step = builds.step(build.id, command.stepName);
    if (step == null || step.status != StepStatus.RUNNING || !command.id.equals(step.commandId)) {
      return; // moved on meanwhile: whatever arrives later is stored as it comes
    }
    logs.markMissing(command.id, command.result);
    completeIfOutputStored(build, command);
  }

  private void completeIfOutputStored(Build build, Command command) {
    CommandFinished result = command.result;
    if (!logs.holdsAll(command.id, result)) {
      return; // the rest of the output is on its way
    }
    Step step = builds.step(build.id, command.stepName);
    if (step.status != StepStatus.RUNNING || !command.id.equals(step.commandId)) {
      return; // already applied
    }
    step.exitCode = result.exitCode();
    boolean undelivered = result.stdoutBytes() < 0 || result.stderrBytes() < 0;
    if (undelivered) {
      logs.markUndelivered(command.id, build.id);
    }
    String incomplete =
        undelivered || logs.incomplete(command.id)
            ? "its log is incomplete: part of its output never arrived"
            : null;
    if (result.succeeded()) {
      move(build, step, StepStatus.PASSED, incomplete);
    } else {
      String why = describe(result);
      move(build, step, StepStatus.FAILED, incomplete == null ? why : why + "; " + incomplete);
    }
    advance(build);
  }

  private static String describe(CommandFinished result) {
    return switch (result.outcome()) {
      case CommandFinished.EXITED -> "command exited with " + result.exitCode();
      case CommandFinished.TIMED_OUT -> "command timed out";
      case CommandFinished.ABORTED -> "command aborted";
      default -> result.message();
    };
  }

  /**
   * Aborts the build: its running commands are stopped on their hosts (their whole process groups),
   * its remaining steps skipped and its leases released.
   *
   * @throws dev.slipway.common.status.IllegalTransitionException when the build has ended (409)
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public void abort(Build build, String reason) {
    finishAborted(build, reason);
  }

  /**
   * Ends the running {@code wait} step {@code name} of {@code build}: passed, or failed with {@code
   * why}. Then the build goes on.
   *
   * @throws dev.slipway.coordinator.api.ApiException 404 for no such step, 409 when it is no
   *     running wait step
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public void endWait(Build build, String name, boolean pass, String why) {
    Step step = builds.step(build.id, name);
    if (step == null) {
      throw dev.slipway.coordinator.api.ApiException.notFound("step", name);
    }
    if (!(step.spec instanceof StepSpec.Wait) || step.status != StepStatus.RUNNING) {
      throw dev.slipway.coordinator.api.ApiException.conflict(
          "step "
              + name
              + " is no running wait step (it is a "
              + step.kind
              + " step, "
              + step.status.wireName()
              + ")");
    }
    move(build, step, pass ? StepStatus.PASSED : StepStatus.FAILED, pass ? null : why);
    advance(build);
  }

  /**
   * Fails a build that ran past its plan's timeout: its running commands are stopped on their
   * hosts, its remaining steps skipped and its leases released, as for an abort.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public void timeOut(Build build) {
    finish(
        build,
        BuildStatus.FAILED,
        "the build ran longer than its timeout (" + build.timeoutSeconds + " s)");
  }

  private void finishAborted(Build build, String reason) {
    finish(build, BuildStatus.ABORTED, reason == null || reason.isBlank() ? "aborted" : reason);
  }

  private void finish(Build build, BuildStatus status, String reason) {
    build.status = Transitions.check("build " + build.id, build.status, status);
    build.reason = reason;
    build.finishedAt = clock.now();
    String why = status == BuildStatus.ABORTED ? "build aborted: " + reason : "the build ended";
    List<Step> steps = builds.steps(build.id);
    // a lease whose release its step asked for already (in this transaction or an earlier one) is
    // not asked for again: the request is on its way (at least once), and the reconciler asks
    // again for a lease an ended build still holds
    Set<String> releaseAsked = new HashSet<>();
    for (Step step : steps) {
      if (step.leaseId != null && step.leaseReleasedAt != null) {
        releaseAsked.add(step.leaseId);
      }
    }
    for (Step step : steps) {
      if (step.status == StepStatus.PENDING) {
        move(build, step, StepStatus.SKIPPED, why);
      } else if (step.status == StepStatus.RUNNING) {
        if (step.commandId != null && !step.spec.isLease()) {
          // nothing keeps running on a host for a build that has ended
          outbox.publish(
              Topics.COMMAND_REQUESTS,
              EventTypes.COMMAND_ABORT_REQUESTED,
              step.commandId,
              new CommandAbortRequested(step.commandId, build.id, why));
        }
        move(build, step, StepStatus.ABORTED, why);
      }
    }
    for (Lease lease : leaseRepository.unfinishedOf(build.id)) {
      if (!releaseAsked.contains(lease.id)) {
        leases.requestRelease(lease, "build " + status.wireName());
      }
    }
    announce(build, EventTypes.BUILD_FINISHED, null);
    if (build.createdAt != null) {
      Duration took = Duration.between(build.createdAt, build.finishedAt);
      AfterCommit.run(
          transactions,
          () ->
              Meters.record(
                  registry,
                  "slipway.build.duration",
                  "from a build's request to its end, by its final status",
                  took,
                  "status",
                  status.wireName()));
    }
    LOG.infof("build %s %s%s", build.id, status.wireName(), reason == null ? "" : ": " + reason);
  }

  private void move(Build build, Step step, StepStatus to, String reason) {
    step.status = Transitions.check("step " + step.name, step.status, to);
    step.reason = reason;
    if (to == StepStatus.RUNNING) {
      step.startedAt = clock.now();
      announce(build, EventTypes.STEP_STARTED, step);
    } else {
      step.finishedAt = clock.now();
      announce(build, EventTypes.STEP_FINISHED, step);
    }
  }

  /** Publishes the change, and wakes the build's log followers once it is committed. */
  private void announce(Build build, String type, Step step) {
    String id = build.id;
    AfterCommit.run(transactions, () -> followers.wake(id));
    outbox.publish(
        Topics.BUILDS,
        type,
        build.id,
        new BuildChanged(
            build.id,
            build.planName,
            build.status.wireName(),
            step == null ? null : step.name,
            step == null ? null : step.status.wireName(),
            step == null ? build.reason : step.reason));
  }
}
