package dev.slipway.platform.messaging;

import dev.slipway.common.events.Envelope;
import dev.slipway.common.events.EventCodec;
import dev.slipway.common.events.MalformedEventException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * How every consumer handles a message: decode the envelope (a message that cannot be decoded is
 * thrown back to the connector, whose failure strategy sends it to the topic's dead-letter topic),
 * then apply it in one transaction together with a row that records its id, so that a redelivered
 * event changes nothing. Transient failures are retried before the message is dead-lettered.
 */
@ApplicationScoped
public class EventProcessor {

  private static final Logger LOG = Logger.getLogger(EventProcessor.class);
  private static final int ATTEMPTS = 5;

  @Inject EntityManager entityManager;

  /**
   * Applies {@code payload} once for {@code consumer}.
   *
   * @throws MalformedEventException when the payload is not an event or its data has the wrong
   *     shape (the message is then dead-lettered)
   */
  public void process(String consumer, String payload, Consumer<Envelope> handler) {
    Envelope envelope = EventCodec.decode(payload);
    for (int attempt = 1; ; attempt++) {
      try {
        QuarkusTransaction.requiringNew()
            .run(
                () -> {
                  if (firstDelivery(consumer, envelope.id())) {
                    handler.accept(envelope);
                  } else {
                    LOG.debugf("%s: event %s already applied, skipped", consumer, envelope.id());
                  }
                });
        return;
      } catch (MalformedEventException e) {
        throw e;
      } catch (RuntimeException e) {
        if (attempt == ATTEMPTS) {
          throw e;
        }
        LOG.warnf(
            "%s: applying %s %s failed (attempt %d of %d): %s",
            consumer, envelope.type(), envelope.id(), attempt, ATTEMPTS, e.toString());
        pause(attempt);
      }
    }
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
