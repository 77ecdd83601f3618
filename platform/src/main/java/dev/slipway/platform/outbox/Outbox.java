package dev.slipway.platform.outbox;

import dev.slipway.common.events.Envelope;
import dev.slipway.common.events.EventCodec;
import dev.slipway.platform.persistence.AfterCommit;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.hibernate.engine.spi.SessionImplementor;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.engine.spi.TransactionCompletionCallbacks.BeforeCompletionCallback;

/**
 * The transactional outbox: an event is written in the same database transaction as the state
 * change it announces, and {@link OutboxRelay} publishes it to Kafka after the commit. A crash can
 * delay an event, never separate it from its state change (at-least-once: a relay that dies after
 * sending and before deleting sends again; consumers are idempotent).
 *
 * <p>The events a transaction publishes are written together, by one statement, as it commits
 * (after Hibernate's own flush, inside the transaction): one round trip per transaction instead of
 * one per event, and no flush of the session before each. Their ids, hence the relay's order, are
 * in the order they were published. Nothing reads the outbox in the transaction that writes it.
 */
@ApplicationScoped
public class Outbox {

  private static final String PENDING = Outbox.class.getName() + ".pending";

  /** At most this many rows per statement (3 parameters each, far below PostgreSQL's limit). */
  private static final int CHUNK_ROWS = 1_000;

  /** At most about this many payload characters per statement (a value is at most 1 GB). */
  private static final long CHUNK_CHARS = 64L * 1024 * 1024;

  private static final String INSERT =
      "insert into outbox (topic, record_key, payload)"
          + " select topic, record_key, payload"
          + " from unnest(?::text[], ?::text[], ?::text[]) with ordinality"
          + " as r(topic, record_key, payload, n) order by n";

  @Inject EntityManager entityManager;
  @Inject OutboxRelay relay;
  @Inject TransactionSynchronizationRegistry transactions;

  private record Row(String topic, String key, String payload) {}

  /** The rows a transaction publishes, and whether they were written (it is committing). */
  private static final class Pending {
    final List<Row> rows = new ArrayList<>();
    boolean written;
  }

  /**
   * Adds an event to the current transaction; returns the envelope that will be published.
   *
   * @throws IllegalStateException once the transaction's events were written (it is committing)
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public Envelope publish(String topic, String type, String key, Object data) {
    Envelope envelope = EventCodec.envelope(type, key, data);
    Pending pending = pending();
    if (pending.written) {
      throw new IllegalStateException(
          type + " published after the transaction's events were written: it would be lost");
    }
    pending.rows.add(new Row(topic, key, EventCodec.encode(envelope)));
    return envelope;
  }

  /**
   * The payloads of the events the current transaction has published so far under record key {@code
   * key}, in order: they reach the outbox table only as it commits.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public List<String> publishedWith(String key) {
    Pending pending = (Pending) transactions.getResource(PENDING);
    return pending == null
        ? List.of()
        : pending.rows.stream()
            .filter(r -> Objects.equals(r.key(), key))
            .map(Row::payload)
            .toList();
  }

  /** This transaction's events; the first call registers their write and the relay's wake. */
  private Pending pending() {
    Pending pending = (Pending) transactions.getResource(PENDING);
    if (pending == null) {
      Pending created = new Pending();
      BeforeCompletionCallback write = session -> write(session, created);
      entityManager.unwrap(SessionImplementor.class).getActionQueue().registerCallback(write);
      AfterCommit.run(transactions, relay::wake);
      transactions.putResource(PENDING, created);
      pending = created;
    }
    return pending;
  }

  private static void write(SharedSessionContractImplementor session, Pending pending) {
    pending.written = true;
    List<Row> rows = pending.rows;
    session.doWork(
        connection -> {
          int from = 0;
          while (from < rows.size()) {
            int to = from;
            long chars = 0;
            while (to < rows.size()
                && to - from < CHUNK_ROWS
                && (to == from || chars + rows.get(to).payload().length() <= CHUNK_CHARS)) {
              chars += rows.get(to).payload().length();
              to++;
            }
            insert(connection, rows.subList(from, to));
            from = to;
          }
        });
  }

  private static void insert(Connection connection, List<Row> rows) throws SQLException {
    String[] topics = new String[rows.size()];
    String[] keys = new String[rows.size()];
    String[] payloads = new String[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      topics[i] = rows.get(i).topic();
      keys[i] = rows.get(i).key();
      payloads[i] = rows.get(i).payload();
    }
    try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
      Array topicArray = connection.createArrayOf("text", topics);
      Array keyArray = connection.createArrayOf("text", keys);
      Array payloadArray = connection.createArrayOf("text", payloads);
      insert.setArray(1, topicArray);
      insert.setArray(2, keyArray);
      insert.setArray(3, payloadArray);
      insert.executeUpdate();
    }
  }
}
