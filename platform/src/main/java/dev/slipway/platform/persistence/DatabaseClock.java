package dev.slipway.platform.persistence;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.FlushModeType;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * The one clock that deadlines are written and compared with: the database's. Services run on
 * several machines whose clocks differ; a deadline written from one JVM's clock and compared with
 * another's (or with the database's {@code now()}) would fire early or late by their difference.
 */
@ApplicationScoped
public class DatabaseClock {

  private static final Object NOW = new Object(); // the key of the transaction's cached now()

  @Inject EntityManager entityManager;
  @Inject TransactionSynchronizationRegistry transactions;

  /**
   * The database's {@code now()}: the start of the caller's transaction, as SQL in it sees it;
   * asked once per transaction.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public Instant now() {
    Object cached = transactions.getResource(NOW);
    if (cached instanceof Instant instant) {
      return instant;
    }
    Instant now =
        instant(
            entityManager
                .createNativeQuery("select now()")
                .setFlushMode(FlushModeType.COMMIT) // reads no table: nothing to flush first
                .getSingleResult());
    transactions.putResource(NOW, now);
    return now;
  }

  /**
   * Notes {@code now}, read off a row the caller's transaction just stamped with {@code now()}, as
   * that transaction's {@link #now()}: a statement the transaction makes anyway saves it a round
   * trip. Only for a value of {@code now()} itself (not {@code clock_timestamp()}).
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public void seen(Object now) {
    transactions.putResource(NOW, instant(now));
  }

  private static Instant instant(Object value) {
    if (value instanceof Instant instant) {
      return instant;
    }
    if (value instanceof OffsetDateTime time) {
      return time.toInstant();
    }
    if (value instanceof Timestamp time) {
      return time.toInstant();
    }
    throw new IllegalStateException("now() returned " + value.getClass());
  }
}
