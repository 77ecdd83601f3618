package dev.slipway.platform.outbox;

import dev.slipway.platform.persistence.AfterCommit;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.jboss.logging.Logger;

/**
 * Outbox rows Kafka refuses for good, parked in {@code outbox_parked} so that they no longer block
 * the rows after them. Only a refusal that sending again cannot cure parks a row ({@link
 * #isPermanent}: too large, an invalid topic, a payload that cannot be serialized); a broker that
 * is down or slow is retried by the relay. Parking moves the row in the relay's transaction, fails
 * whatever was waiting for it ({@link EventOwners}), and logs it once, after the commit.
 */
@ApplicationScoped
public class OutboxParking {

  private static final Logger LOG = Logger.getLogger(OutboxParking.class);
  private static final int MAX_ERROR = 1000;

  @Inject EntityManager entityManager;
  @Inject EventOwners owners;
  @Inject TransactionSynchronizationRegistry transactions;

  /** Whether Kafka's refusal {@code error} is for good: sending the same record again fails too. */
  public static boolean isPermanent(Throwable error) {
    return error instanceof RecordTooLargeException
        || error instanceof RecordBatchTooLargeException
        || error instanceof InvalidRecordException
        || error instanceof InvalidTopicException
        || error instanceof SerializationException;
  }

  /**
   * Moves outbox row {@code id} to {@code outbox_parked} with why Kafka refused it, and fails what
   * waited for it, in the caller's (the relay's) transaction.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public void park(long id, String topic, String key, String payload, Throwable refusal) {
    String error = describe(refusal);
    entityManager
        .createNativeQuery(
            "insert into outbox_parked (id, topic, record_key, payload, created_at, error)"
                + " select id, topic, record_key, payload, created_at, ?2 from outbox where id = ?1")
        .setParameter(1, id)
        .setParameter(2, error)
        .executeUpdate();
    entityManager
        .createNativeQuery("delete from outbox where id = ?1")
        .setParameter(1, id)
        .executeUpdate();
    owners.unpublishable(topic, key, payload, error);
    AfterCommit.run(
        transactions,
        () ->
            LOG.errorf(
                "outbox event %d (topic %s, key %s, %d characters) parked in outbox_parked:"
                    + " Kafka refuses it for good: %s",
                id, topic, key, payload.length(), error));
  }

  /** How many events are parked (all processes', since the table was made). */
  public long count() {
    return ((Number)
            entityManager.createNativeQuery("select count(*) from outbox_parked").getSingleResult())
        .longValue();
  }

  private static String describe(Throwable refusal) {
    String text = refusal.getClass().getSimpleName() + ": " + refusal.getMessage();
    return text.length() <= MAX_ERROR ? text : text.substring(0, MAX_ERROR) + "...";
  }
}
