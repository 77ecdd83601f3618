package dev.slipway.platform.outbox;

import dev.slipway.common.events.CommandFinished;
import dev.slipway.common.events.Envelope;
import dev.slipway.common.events.EventCodec;
import dev.slipway.common.events.EventTypes;
import dev.slipway.common.events.MalformedEventException;
import dev.slipway.common.events.Topics;
import dev.slipway.common.status.LeaseStatus;
import dev.slipway.platform.command.Command;
import dev.slipway.platform.command.CommandRepository;
import dev.slipway.platform.lease.Lease;
import dev.slipway.platform.lease.LeaseRepository;
import dev.slipway.platform.lease.Leases;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

/**
 * The one mapping from a topic to the owner of what its events ask for, used when an event can
 * never be published ({@link OutboxParking}): the owner ends in failure through its own state
 * machine, so that nothing waits for an event that will not come.
 *
 * <ul>
 *   <li>{@code slipway.lease-requests} (keyed by lease id): the lease, while still pending, fails
 *       with the reason ({@code lease.failed}, so its build's step fails);
 *   <li>{@code slipway.command-requests} {@code command.requested} (keyed by command id): the
 *       command, while not started, finishes with outcome {@code error} and the reason ({@code
 *       command.finished}, so its build's step fails);
 *   <li>{@code slipway.command-results} {@code command.finished}: the result is published again
 *       with the reason as its message (the message was what made it too large);
 *   <li>every other topic only announces (builds, leases, resources, audit, output): nothing more.
 * </ul>
 */
@ApplicationScoped
public class EventOwners {

  private static final String SHORTENED = "its result could not be published in full: ";

  @Inject LeaseRepository leaseRepository;
  @Inject Leases leases;
  @Inject CommandRepository commands;
  @Inject Outbox outbox;

  /**
   * Fails what the unpublishable event on {@code topic} keyed {@code key} asked for, in the
   * caller's transaction.
   *
   * @param error why Kafka refused it
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public void unpublishable(String topic, String key, String payload, String error) {
    switch (topic) {
      case Topics.LEASE_REQUESTS ->
          failPendingLease(key, "its request could not be published: " + error);
      case Topics.COMMAND_REQUESTS -> {
        if (EventTypes.COMMAND_REQUESTED.equals(type(payload))) {
          failUnstartedCommand(key, "its request could not be published: " + error);
        }
      }
      case Topics.COMMAND_RESULTS -> republishResult(payload, error);
      default -> {
        // an announcement: nobody waits for it to act
      }
    }
  }

  /** A lease request or a release request of a pending lease: the lease fails. */
  private void failPendingLease(String leaseId, String reason) {
    Lease lease = leaseRepository.lock(leaseId).orElse(null);
    if (lease != null && lease.status.canMoveTo(LeaseStatus.FAILED)) {
      leases.move(lease, LeaseStatus.FAILED, reason);
    }
  }

  private void failUnstartedCommand(String commandId, String reason) {
    Command command = commands.read(commandId).orElse(null);
    if (command == null) {
      return;
    }
    CommandFinished result =
        new CommandFinished(
            commandId, command.buildId, CommandFinished.ERROR, null, null, reason, 0, 0, 0);
    if (commands.finishUnstarted(result)) {
      outbox.publish(Topics.COMMAND_RESULTS, EventTypes.COMMAND_FINISHED, result.buildId(), result);
    }
  }

  private void republishResult(String payload, String error) {
    Envelope envelope = decode(payload);
    if (envelope == null || !EventTypes.COMMAND_FINISHED.equals(envelope.type())) {
      return;
    }
    CommandFinished r;
    try {
      r = EventCodec.data(envelope, CommandFinished.class);
    } catch (MalformedEventException e) {
      return;
    }
    if (r.message() != null && r.message().startsWith(SHORTENED)) {
      return; // this is already the shorter one: never loop
    }
    CommandFinished shorter =
        new CommandFinished(
            r.commandId(),
            r.buildId(),
            r.outcome(),
            r.exitCode(),
            r.signal(),
            SHORTENED + error,
            r.durationMillis(),
            r.stdoutBytes(),
            r.stderrBytes());
    outbox.publish(Topics.COMMAND_RESULTS, EventTypes.COMMAND_FINISHED, r.buildId(), shorter);
  }

  private static String type(String payload) {
    Envelope envelope = decode(payload);
    return envelope == null ? null : envelope.type();
  }

  private static Envelope decode(String payload) {
    try {
      return EventCodec.decode(payload);
    } catch (MalformedEventException e) {
      return null;
    }
  }
}
