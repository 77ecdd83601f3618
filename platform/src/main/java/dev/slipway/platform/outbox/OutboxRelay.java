package dev.slipway.platform.outbox;

import dev.slipway.platform.messaging.EventProducer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Publishes outbox rows to Kafka in id order, then deletes them, in one transaction per batch. One
 * relay drains at a time across all replicas (a transaction-scoped advisory lock), which keeps the
 * per-key order of events. A row Kafka refuses for good (too large, ...) is parked in the same
 * transaction ({@link OutboxParking}) and the rows after it go on; any other failure (the broker is
 * down) retries the whole batch with backoff. Woken right after a commit that added events; a sweep
 * every {@code slipway.outbox.sweep-interval} picks up rows left by a relay that crashed.
 */
@ApplicationScoped
public class OutboxRelay {

  private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
  private static final long RELAY_LOCK = 0x511700B0L;
  private static final int BATCH = 500;

  @Inject EntityManager entityManager;
  @Inject EventProducer producer;
  @Inject OutboxParking parking;

  @ConfigProperty(name = "slipway.outbox.sweep-interval-ms", defaultValue = "1000")
  long sweepIntervalMs;

  private final Semaphore signal = new Semaphore(0);
  private volatile boolean running;
  private Thread thread;

  void start(@Observes StartupEvent event) {
    running = true;
    thread = new Thread(this::loop, "outbox-relay");
    thread.setDaemon(true);
    thread.start();
  }

  void stop(@Observes ShutdownEvent event) throws InterruptedException {
    running = false;
    wake();
    if (thread != null) {
      thread.join(5_000);
    }
  }

  /** Asks the relay to drain now. */
  public void wake() {
    signal.release();
  }

  private void loop() {
    long wait = sweepIntervalMs;
    long backoff = 0;
    while (running) {
      try {
        if (wait > 0 && signal.tryAcquire(wait, TimeUnit.MILLISECONDS)) {
          signal.drainPermits();
        }
        wait = drainBatch() == BATCH ? 0 : sweepIntervalMs;
        backoff = 0;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        backoff = Math.min(Math.max(backoff * 2, 100), 5_000);
        wait = backoff;
        LOG.warnf("outbox relay failed, retrying in %d ms: %s", backoff, e.getMessage());
      }
    }
  }

  /**
   * Publishes one batch; returns how many rows it published. Waits for the lock while another relay
   * holds it (never longer than that relay's batch), so that rows committed meanwhile are seen as
   * soon as it is free rather than after a retry interval.
   */
  int drainBatch() {
    return QuarkusTransaction.requiringNew().call(this::publishLockedBatch);
  }

  @SuppressWarnings("unchecked")
  private int publishLockedBatch() throws Exception {
    entityManager
        .createNativeQuery("select cast(pg_advisory_xact_lock(?1) as text)")
        .setParameter(1, RELAY_LOCK)
        .getSingleResult();
    List<Object[]> rows =
        entityManager
            .createNativeQuery(
                "select id, topic, record_key, payload from outbox order by id limit " + BATCH)
            .getResultList();
    if (rows.isEmpty()) {
      return 0;
    }
    List<Future<RecordMetadata>> sends = new ArrayList<>(rows.size());
    for (Object[] row : rows) {
      sends.add(send((String) row[1], (String) row[2], (String) row[3]));
    }
    List<Long> published = new ArrayList<>(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      Object[] row = rows.get(i);
      long id = ((Number) row[0]).longValue();
      Throwable refusal = refusal(sends.get(i));
      if (refusal == null) {
        published.add(id);
      } else {
        parking.park(id, (String) row[1], (String) row[2], (String) row[3], refusal);
      }
    }
    // exactly the rows sent: ids are taken at insert but committed in any order, so a row with a
    // lower id may have become visible since the select
    if (!published.isEmpty()) {
      entityManager
          .createNativeQuery("delete from outbox where id in (:published)")
          .setParameter("published", published)
          .executeUpdate();
    }
    return rows.size();
  }

  /** Sends one row; a permanent refusal the producer throws at once comes back as a failed send. */
  private Future<RecordMetadata> send(String topic, String key, String payload) {
    try {
      return producer.send(topic, key, payload);
    } catch (RuntimeException e) {
      if (OutboxParking.isPermanent(e)) {
        return CompletableFuture.failedFuture(e);
      }
      throw e;
    }
  }

  /**
   * Waits for a send: null when Kafka took the record, Kafka's refusal when it is {@linkplain
   * OutboxParking#isPermanent permanent}.
   *
   * @throws Exception any other failure (the broker is down or slow): the batch is retried
   */
  private static Throwable refusal(Future<RecordMetadata> send) throws Exception {
    try {
      send.get(30, TimeUnit.SECONDS);
      return null;
    } catch (ExecutionException e) {
      if (e.getCause() != null && OutboxParking.isPermanent(e.getCause())) {
        return e.getCause();
      }
      throw e;
    }
  }
}
