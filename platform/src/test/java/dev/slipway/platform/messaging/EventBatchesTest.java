package dev.slipway.platform.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.common.events.Envelope;
import dev.slipway.common.events.EventCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

/** How {@link EventBatches} takes messages from the connector, without a database. */
class EventBatchesTest {

  /**
   * Once the service stops, the connector may still deliver the records it had fetched, and the
   * queue fills: each later message must be left unacknowledged (delivered again after the
   * restart), never thrown at the connector, whose stream would fail. (The wait for room was handed
   * to an executor already shut down, which threw RejectedExecutionException.)
   */
  @Test
  void messagesDeliveredAfterStopWithTheQueueFullAreLeftForRedelivery() throws Exception {
    EventBatches<Object> batches = new EventBatches<>("test", new EventProcessor(), new Ignore());
    batches.stop();
    AtomicInteger acks = new AtomicInteger();
    String payload = EventCodec.encode(EventCodec.envelope("test.event", "key", Map.of()));
    List<CompletionStage<Void>> stages = new ArrayList<>();
    for (int i = 0; i < 1_100; i++) {
      stages.add(
          batches.submit(
              Message.of(
                  payload,
                  () -> {
                    acks.incrementAndGet();
                    return CompletableFuture.completedFuture(null);
                  })));
    }
    for (CompletionStage<Void> stage : stages) {
      stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
    assertEquals(0, acks.get(), "no message is acknowledged unapplied");
    assertTrue(stages.size() > 1_000);
  }

  /** A handler never reached: the batches are stopped before any is applied. */
  private static final class Ignore implements EventBatches.Handler<Object> {
    @Override
    public Object begin() {
      return null;
    }

    @Override
    public void apply(Envelope event, Object batch) {}

    @Override
    public void finish(Object batch) {}
  }
}
