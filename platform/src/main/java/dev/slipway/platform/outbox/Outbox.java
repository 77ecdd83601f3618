package dev.slipway.platform.outbox;

import dev.slipway.common.events.Envelope;
import dev.slipway.common.events.EventCodec;
import dev.slipway.platform.persistence.AfterCommit;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.FlushModeType;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;

/**
 * The transactional outbox: an event is written in the same database transaction as the state
 * change it announces, and {@link OutboxRelay} publishes it to Kafka after the commit. A crash can
 * delay an event, never separate it from its state change (at-least-once: a relay that dies after
 * sending and before deleting sends again; consumers are idempotent).
 */
@ApplicationScoped
public class Outbox {

  private static final String WAKE_REGISTERED = Outbox.class.getName() + ".wake";

  @Inject EntityManager entityManager;
  @Inject OutboxRelay relay;
  @Inject TransactionSynchronizationRegistry transactions;

  /**
   * Adds an event to the current transaction; returns the envelope that will be published.
   *
   * <p>The insert does not flush the session first (a native statement would, by default: a dirty
   * check of every entity the transaction holds, once per event). Nothing in the outbox refers to
   * those entities, and the changes still pending are flushed before the commit that makes the row
   * visible to the relay, so the event and its state change are committed together as before.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public Envelope publish(String topic, String type, String key, Object data) {
    Envelope envelope = EventCodec.envelope(type, key, data);
    entityManager
        .createNativeQuery("insert into outbox (topic, record_key, payload) values (?1, ?2, ?3)")
        .setFlushMode(FlushModeType.COMMIT)
        .setParameter(1, topic)
        .setParameter(2, key)
        .setParameter(3, EventCodec.encode(envelope))
        .executeUpdate();
    wakeRelayAfterCommit();
    return envelope;
  }

  private void wakeRelayAfterCommit() {
    if (transactions.getResource(WAKE_REGISTERED) != null) {
      return;
    }
    transactions.putResource(WAKE_REGISTERED, Boolean.TRUE);
    AfterCommit.run(transactions, relay::wake);
  }
}
