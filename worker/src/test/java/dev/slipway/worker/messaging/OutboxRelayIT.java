package dev.slipway.worker.messaging;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.slipway.common.events.EventCodec;
import dev.slipway.platform.outbox.Outbox;
import dev.slipway.stack.RealServices;
import dev.slipway.stack.TopicReader;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * The outbox under concurrent writers: transactions take outbox ids in one order and commit in
 * another, and every event must still reach Kafka. (Deleting "every id up to the last one sent"
 * lost events that committed with a lower id while a batch was being sent.)
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
class OutboxRelayIT {

  private static final int WRITERS = 8;
  private static final int EVENTS_EACH = 300;

  @Inject Outbox outbox;

  @ConfigProperty(name = "kafka.bootstrap.servers")
  String bootstrap;

  @Test
  void everyEventOfConcurrentTransactionsIsPublished() throws Exception {
    String topic = "slipway.test-outbox-" + UUID.randomUUID();
    ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
    List<Future<?>> done = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      int writer = w;
      done.add(
          writers.submit(
              () -> {
                for (int i = 0; i < EVENTS_EACH; i++) {
                  String key = writer + "-" + i;
                  QuarkusTransaction.requiringNew()
                      .run(() -> outbox.publish(topic, "test.event", key, Map.of("n", key)));
                }
              }));
    }
    for (Future<?> writer : done) {
      writer.get();
    }
    writers.shutdown();

    Set<String>[] seen = new Set[1];
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              seen[0] =
                  TopicReader.readAll(bootstrap, topic).stream()
                      .map(r -> r.key())
                      .collect(Collectors.toSet());
              return seen[0].size() == WRITERS * EVENTS_EACH;
            });
    assertEquals(WRITERS * EVENTS_EACH, seen[0].size());
  }

  /**
   * A transaction's events are written together as it commits, by statements of at most 1,000 rows:
   * 2,500 events of one key (one partition) reach Kafka whole and in the order they were published,
   * across those statements.
   */
  @Test
  void aTransactionsEventsArePublishedInTheOrderItPublishedThem() {
    String topic = "slipway.test-outbox-order-" + UUID.randomUUID();
    int events = 2_500;
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              for (int i = 0; i < events; i++) {
                outbox.publish(topic, "test.event", "one-key", Map.of("n", i));
              }
            });

    List<Integer> order = new ArrayList<>();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              order.clear();
              for (var r : TopicReader.readAll(bootstrap, topic)) {
                order.add(EventCodec.mapper().readTree(r.value()).path("data").path("n").asInt());
              }
              return order.size() >= events;
            });
    assertEquals(IntStream.range(0, events).boxed().toList(), order);
  }
}
