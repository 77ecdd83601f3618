package dev.slipway.platform.messaging;

import dev.slipway.common.events.Envelope;
import dev.slipway.platform.faults.Backoff;
import dev.slipway.platform.faults.Failures;
import io.quarkus.narayana.jta.QuarkusTransaction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Applies a consumer's events in batches, for a consumer whose events share work that one
 * transaction can do once for many of them (the allocator: one drain of a queue for all the lease
 * requests and releases that arrived together, where each event alone would drain it again).
 *
 * <p>The events that arrive while a batch is being applied form the next batch, in the order they
 * arrived: under load a batch grows, and a lone event is applied at once. A batch is applied in one
 * transaction ({@linkplain Handler#urgent urgent} events in one of their own first): each event
 * still gets its own {@code processed_events} row, all written by one statement, so a redelivered
 * event changes nothing, then {@link Handler#finish} runs once. The events are acknowledged only
 * after the commit: one that was queued or being applied when the service stopped is delivered
 * again.
 *
 * <p>A batch that fails for a transient reason (a deadlock with another replica's batch) is tried
 * again as a batch; one that fails otherwise is applied again event by event through {@link
 * EventProcessor}, with its retries: an infrastructure failure is retried for as long as it lasts,
 * and an event that fails for good is dead-lettered alone, while the others are applied. The events
 * after one that cannot be settled wait for it: none is skipped.
 *
 * @param <S> what a batch gathers for {@link Handler#finish}
 */
public final class EventBatches<S> {

  private static final Logger LOG = Logger.getLogger(EventBatches.class);

  /** At most this many events in one transaction. */
  static final int MAX_BATCH = 200;

  /** How many times a batch is tried as a batch after a transient failure. */
  private static final int BATCH_ATTEMPTS = 3;

  /** Events received and not yet applied; a full queue holds the consumer back. */
  private static final int QUEUED = 1_000;

  /** What a consumer does with its events. */
  public interface Handler<S> {
    /** A new batch's state. */
    S begin();

    /** Applies one event of the batch, in the batch's transaction. */
    void apply(Envelope event, S batch);

    /**
     * Before the batch's events are applied, in its transaction: what can be read for all of them
     * at once, in one statement. {@code events} are those applied next, in order.
     */
    default void prepare(List<Envelope> events, S batch) {}

    /** Finishes the batch, in its transaction, after its last event. */
    void finish(S batch);

    /**
     * Whether {@code event} is one that others wait on (a lease request): such events are applied
     * ahead of the rest of their batch, in a transaction of their own that commits first. Only for
     * events whose order against the others does not matter, or is kept anyway (a lease's request
     * always arrives before its release).
     */
    default boolean urgent(Envelope event) {
      return false;
    }
  }

  private record Received(Message<String> message, Envelope event) {}

  private final String consumer;
  private final EventProcessor processor;
  private final Handler<S> handler;
  private final BlockingQueue<Received> queue = new ArrayBlockingQueue<>(QUEUED);
  private final Thread applier;

  /** Waits for room in a full queue, off the thread that delivers the messages. */
  private final ExecutorService waiter;

  private volatile boolean running = true;

  /**
   * @param consumer the consumer's name, which its {@code processed_events} rows carry
   */
  public EventBatches(String consumer, EventProcessor processor, Handler<S> handler) {
    this.consumer = consumer;
    this.processor = processor;
    this.handler = handler;
    this.applier = new Thread(this::loop, consumer + "-batches");
    applier.setDaemon(true);
    this.waiter =
        Executors.newSingleThreadExecutor(
            task -> {
              Thread thread = new Thread(task, consumer + "-full");
              thread.setDaemon(true);
              return thread;
            });
    applier.start();
  }

  /**
   * Queues {@code message} for the next batch; it is acknowledged once applied. Never blocks the
   * caller, which may be the consumer's event loop: while the queue is full, the returned stage
   * completes only once there is room (the connector delivers the next message after that). A
   * message that is not an event is dead-lettered at once.
   */
  public CompletionStage<Void> submit(Message<String> message) {
    return processor.receive(consumer, message, event -> true, event -> queue(message, event));
  }

  private CompletionStage<Void> queue(Message<String> message, Envelope event) {
    Received received = new Received(message, event);
    // not acknowledged here: the batch that applies it does, after its commit
    if (queue.offer(received)) {
      return CompletableFuture.completedFuture(null);
    }
    try {
      return CompletableFuture.runAsync(() -> offerWhileRunning(received), waiter);
    } catch (RejectedExecutionException e) {
      // stopped: left unacknowledged, so it is delivered again after the restart
      return CompletableFuture.completedFuture(null);
    }
  }

  /** Waits for room in the queue for {@code received}; gives up once the service stops. */
  private void offerWhileRunning(Received received) {
    try {
      while (running) {
        if (queue.offer(received, 100, TimeUnit.MILLISECONDS)) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Stops after the batch being applied; what is still queued is delivered again later. */
  public void stop() {
    running = false;
    waiter.shutdown();
    try {
      applier.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void loop() {
    List<Received> batch = new ArrayList<>();
    while (running) {
      try {
        Received first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        apply(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException | Error e) {
        // a bug: its events stay unacknowledged, the partition's offsets are not committed past
        // them, and they come again after a restart or a rebalance
        LOG.errorf(e, "%s: a batch of %d events was left unapplied", consumer, batch.size());
      } finally {
        batch.clear();
      }
    }
  }

  /**
   * Applies the urgent events of {@code batch}, then the others, each part in one transaction. The
   * others wait until every urgent event is settled: when the service stops first, they are left
   * for redelivery with the urgent ones.
   */
  private void apply(List<Received> batch) throws InterruptedException {
    List<Received> urgent = new ArrayList<>();
    List<Received> rest = new ArrayList<>();
    for (Received r : batch) {
      (handler.urgent(r.event()) ? urgent : rest).add(r);
    }
    if (applyTogether(urgent)) {
      applyTogether(rest);
    }
  }

  /**
   * Applies {@code events} in one transaction; a transient failure (a deadlock with another
   * replica's batch, a cut connection) is tried again as a batch a few times, any other failure
   * applies them one by one. Returns whether all of them are settled (applied or dead-lettered):
   * false only when the service stops first.
   */
  private boolean applyTogether(List<Received> events) throws InterruptedException {
    if (events.isEmpty()) {
      return true;
    }
    for (int attempt = 1; ; attempt++) {
      try {
        QuarkusTransaction.requiringNew()
            .run(
                () -> {
                  S state = handler.begin();
                  Set<String> first =
                      processor.firstDeliveries(
                          consumer, events.stream().map(r -> r.event().id()).toList());
                  List<Envelope> applied = new ArrayList<>();
                  for (Received r : events) {
                    if (first.remove(r.event().id())) {
                      applied.add(r.event());
                    }
                  }
                  handler.prepare(applied, state);
                  for (Envelope e : applied) {
                    handler.apply(e, state);
                  }
                  handler.finish(state);
                });
        for (Received r : events) {
          r.message().ack();
        }
        return true;
      } catch (RuntimeException e) {
        if (attempt < BATCH_ATTEMPTS && Failures.isTransient(e) && running) {
          Thread.sleep(10L * attempt);
          continue;
        }
        LOG.infof(
            "%s: a batch of %d events failed (%s); applying them one by one",
            consumer, events.size(), e.toString());
        for (Received r : events) {
          if (!settleAlone(r)) {
            return false;
          }
        }
        return true;
      }
    }
  }

  /**
   * Applies one event through {@link EventProcessor#process} (retries, then dead-lettering) until
   * it is settled; false when the service stops first. A failure to settle it (a dead-letter send
   * the broker refused) is tried again: the events after it wait, in order.
   */
  private boolean settleAlone(Received r) throws InterruptedException {
    Backoff backoff = new Backoff(Duration.ofSeconds(5));
    while (running && !processor.isShuttingDown()) {
      try {
        processor
            .process(consumer, r.message(), r.event(), this::applyAlone)
            .toCompletableFuture()
            .join();
        // process() gives up without settling only once the service is stopping
        return !processor.isShuttingDown();
      } catch (RuntimeException e) {
        LOG.warnf(
            "%s: %s %s could not be settled, trying again: %s",
            consumer, r.event().type(), r.event().id(), e.toString());
        Thread.sleep(backoff.nextMillis());
      }
    }
    return false;
  }

  private void applyAlone(Envelope event) {
    S state = handler.begin();
    handler.prepare(List.of(event), state);
    handler.apply(event, state);
    handler.finish(state);
  }
}
