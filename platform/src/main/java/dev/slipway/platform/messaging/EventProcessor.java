package dev.slipway.platform.messaging;

import dev.slipway.common.events.Envelope;
import dev.slipway.common.events.EventCodec;
import dev.slipway.common.events.MalformedEventException;
import dev.slipway.platform.faults.Backoff;
import dev.slipway.platform.faults.DatabaseProbe;
import dev.slipway.platform.faults.Failures;
import dev.slipway.platform.persistence.DatabaseClock;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * How every consumer handles a message:
 *
 * <ul>
 *   <li>decode the envelope; a message that is not an event is nacked, and the connector's failure
 *       strategy sends it to the topic's dead-letter topic;
 *   <li>apply it in one transaction together with a row recording its id, so that a redelivered
 *       event changes nothing, then ack it;
 *   <li>an infrastructure failure ({@link Failures#isTransient}, or any failure while the database
 *       does not answer) is retried with a capped backoff for as long as it takes: a valid event is
 *       never dead-lettered because the database or the broker was away. The partition waits
 *       meanwhile (the connector pauses it once its buffer is full), so events keep their order;
 *   <li>any other failure is retried a few times; an event that still fails is dead-lettered with
 *       its error (the reconciler repairs what it would have moved);
 *   <li>while the service shuts down, a failing event is left unacknowledged: its offset is not
 *       committed, and the next consumer of the partition gets it again.
 * </ul>
 */
@ApplicationScoped
public class EventProcessor {

  private static final Logger LOG = Logger.getLogger(EventProcessor.class);
  private static final int ATTEMPTS = 5;
  private static final int LOG_EVERY = 20;

  @Inject EntityManager entityManager;
  @Inject DatabaseProbe database;
  @Inject DatabaseClock clock;

  @ConfigProperty(name = "slipway.events.max-backoff", defaultValue = "5s")
  Duration maxBackoff;

  private volatile boolean shuttingDown;

  void onShutdown(@Observes @Priority(1) ShutdownEvent event) {
    shuttingDown = true;
  }

  /** Whether the service began to shut down: failing events are then left for redelivery. */
  boolean isShuttingDown() {
    return shuttingDown;
  }

  /** Applies {@code message} once for {@code consumer}; returns when it is settled. */
  public CompletionStage<Void> process(
      String consumer, Message<String> message, Consumer<Envelope> handler) {
    return process(consumer, message, event -> true, handler);
  }

  /**
   * Like {@link #process(String, Message, Consumer)}, but an event {@code wanted} refuses (by its
   * type, say) is acknowledged at once, without a transaction: a consumer that acts on a few of a
   * topic's events pays nothing for the others.
   */
  public CompletionStage<Void> process(
      String consumer,
      Message<String> message,
      Predicate<Envelope> wanted,
      Consumer<Envelope> handler) {
    return receive(consumer, message, wanted, e -> process(consumer, message, e, handler));
  }

  /**
   * Hands the event {@code message} carries to {@code then}; a message that is not an event is
   * dead-lettered, and one {@code wanted} refuses is acknowledged, without calling it.
   */
  CompletionStage<Void> receive(
      String consumer,
      Message<String> message,
      Predicate<Envelope> wanted,
      Function<Envelope, CompletionStage<Void>> then) {
    Envelope envelope;
    try {
      envelope = EventCodec.decode(message.getPayload());
    } catch (MalformedEventException e) {
      LOG.warnf("%s: unreadable message dead-lettered: %s", consumer, e.getMessage());
      return message.nack(e);
    }
    if (!wanted.test(envelope)) {
      return message.ack();
    }
    return then.apply(envelope);
  }

  /** Applies {@code envelope}, the event {@code message} carries, once for {@code consumer}. */
  CompletionStage<Void> process(
      String consumer, Message<String> message, Envelope envelope, Consumer<Envelope> handler) {
    Backoff backoff = new Backoff(maxBackoff);
    int failures = 0;
    int outages = 0;
    while (true) {
      try {
        applyOnce(consumer, envelope, handler);
        if (outages > 0) {
          LOG.infof(
              "%s: %s %s applied after %d failed attempts during an outage",
              consumer, envelope.type(), envelope.id(), outages);
        }
        return message.ack();
      } catch (MalformedEventException e) {
        LOG.warnf(
            "%s: invalid %s %s dead-lettered: %s",
            consumer, envelope.type(), envelope.id(), e.getMessage());
        return message.nack(e);
      } catch (RuntimeException e) {
        if (shuttingDown) {
          LOG.infof(
              "%s: shutting down; %s %s left for redelivery",
              consumer, envelope.type(), envelope.id());
          return CompletableFuture.completedFuture(null);
        }
        if (Failures.isTransient(e) || !database.answers()) {
          if (outages++ % LOG_EVERY == 0) {
            LOG.warnf(
                "%s: applying %s %s failed for an infrastructure reason (attempt %d); retrying"
                    + " until it succeeds: %s",
                consumer, envelope.type(), envelope.id(), outages, e.toString());
          }
        } else if (++failures == ATTEMPTS) {
          LOG.errorf(
              e,
              "%s: %s %s failed %d times; dead-lettered",
              consumer,
              envelope.type(),
              envelope.id(),
              ATTEMPTS);
          return message.nack(e);
        } else {
          LOG.warnf(
              "%s: applying %s %s failed (attempt %d of %d): %s",
              consumer, envelope.type(), envelope.id(), failures, ATTEMPTS, e.toString());
        }
        if (!pause(backoff.nextMillis())) {
          LOG.infof(
              "%s: shutting down; %s %s left for redelivery",
              consumer, envelope.type(), envelope.id());
          return CompletableFuture.completedFuture(null);
        }
      }
    }
  }

  private void applyOnce(String consumer, Envelope envelope, Consumer<Envelope> handler) {
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              if (firstDelivery(consumer, envelope.id())) {
                handler.accept(envelope);
              } else {
                LOG.debugf("%s: event %s already applied, skipped", consumer, envelope.id());
              }
            });
  }

  /**
   * Records that {@code consumer} applies event {@code eventId}; false if it did already. The row's
   * stamp is the transaction's {@code now()}, which the {@link DatabaseClock} keeps, so that the
   * event's state changes need not ask for it again.
   */
  boolean firstDelivery(String consumer, String eventId) {
    return !firstDeliveries(consumer, List.of(eventId)).isEmpty();
  }

  /**
   * Like {@link #firstDelivery} for several events in one statement: the ids of those that {@code
   * consumer} had not applied yet (each once, however often it is in {@code eventIds}).
   */
  @SuppressWarnings("unchecked")
  Set<String> firstDeliveries(String consumer, List<String> eventIds) {
    List<Object[]> stamped =
        entityManager
            .createNativeQuery(
                "insert into processed_events (consumer, event_id)"
                    + " select ?1, unnest(cast(?2 as text[]))"
                    + " on conflict do nothing returning event_id, processed_at")
            .setParameter(1, consumer)
            .setParameter(2, eventIds.toArray(new String[0]))
            .getResultList();
    Set<String> first = new HashSet<>();
    if (stamped.isEmpty()) {
      return first;
    }
    clock.seen(stamped.get(0)[1]);
    for (Object[] row : stamped) {
      first.add((String) row[0]);
    }
    return first;
  }

  /** Sleeps {@code millis}; false when the service began to shut down meanwhile. */
  private boolean pause(long millis) {
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    try {
      while (!shuttingDown) {
        long left = until - System.nanoTime();
        if (left <= 0) {
          return true;
        }
        TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
      }
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Forgets up to {@code batch} ids of events applied longer than {@code age} ago (retention): a
   * redelivery that old cannot happen. Returns how many it forgot.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public int forgetOlderThan(Duration age, int batch) {
    return entityManager
        .createNativeQuery(
            "delete from processed_events where ctid = any(array(select ctid from processed_events"
                + " where processed_at < now() - cast(?1 as interval) limit ?2))")
        .setParameter(1, age.toSeconds() + " seconds")
        .setParameter(2, batch)
        .executeUpdate();
  }
}
