package dev.slipway.platform.messaging;

import dev.slipway.common.events.Envelope;
import dev.slipway.common.events.EventCodec;
import dev.slipway.common.events.MalformedEventException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
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
 *   <li>retry a failure a few times with backoff; a message that still fails is dead-lettered with
 *       its error, except while the service shuts down: then it is left unacknowledged, its offset
 *       is not committed, and the next consumer of the partition gets it again.
 * </ul>
 */
@ApplicationScoped
public class EventProcessor {

  private static final Logger LOG = Logger.getLogger(EventProcessor.class);
  private static final int ATTEMPTS = 5;

  @Inject EntityManager entityManager;

  private volatile boolean shuttingDown;

  void onShutdown(@Observes @Priority(1) ShutdownEvent event) {
    shuttingDown = true;
  }

  /** Applies {@code message} once for {@code consumer}; returns when it is settled. */
  public CompletionStage<Void> process(
      String consumer, Message<String> message, Consumer<Envelope> handler) {
    return process(consumer, message, type -> true, handler);
  }

  /**
   * Like {@link #process(String, Message, Consumer)}, but an event whose type {@code wanted}
   * refuses is acknowledged at once, without a transaction: a consumer that acts on a few types of
   * a topic pays nothing for the others.
   */
  public CompletionStage<Void> process(
      String consumer,
      Message<String> message,
      Predicate<String> wanted,
      Consumer<Envelope> handler) {
    Envelope envelope;
    try {
      envelope = EventCodec.decode(message.getPayload());
      if (!wanted.test(envelope.type())) {
        return message.ack();
      }
      for (int attempt = 1; ; attempt++) {
        try {
          applyOnce(consumer, envelope, handler);
          return message.ack();
        } catch (MalformedEventException e) {
          throw e;
        } catch (RuntimeException e) {
          if (shuttingDown) {
            LOG.infof(
                "%s: shutting down; %s %s left for redelivery",
                consumer, envelope.type(), envelope.id());
            return CompletableFuture.completedFuture(null);
          }
          if (attempt == ATTEMPTS) {
            LOG.errorf(
                e,
                "%s: %s %s failed %d times; dead-lettered",
                consumer,
                envelope.type(),
                envelope.id(),
                ATTEMPTS);
            return message.nack(e);
          }
          LOG.warnf(
              "%s: applying %s %s failed (attempt %d of %d): %s",
              consumer, envelope.type(), envelope.id(), attempt, ATTEMPTS, e.toString());
          pause(attempt);
        }
      }
    } catch (MalformedEventException e) {
      LOG.warnf("%s: unreadable message dead-lettered: %s", consumer, e.getMessage());
      return message.nack(e);
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

  private boolean firstDelivery(String consumer, String eventId) {
    return entityManager
            .createNativeQuery(
                "insert into processed_events (consumer, event_id) values (?1, ?2)"
                    + " on conflict do nothing")
            .setParameter(1, consumer)
            .setParameter(2, eventId)
            .executeUpdate()
        == 1;
  }

  private static void pause(int attempt) {
    try {
      TimeUnit.MILLISECONDS.sleep(50L << attempt); // backoff between attempts
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while retrying", e);
    }
  }
}
