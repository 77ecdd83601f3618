package dev.slipway.local;

import dev.slipway.common.events.Envelope;
import dev.slipway.common.events.EventCodec;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A daemon thread that reads {@code slipway.*} topics from their end, as a client of the system
 * would, and hands each event to {@link #on}: how the benchmarks see a build finish or a lease
 * become active without polling the API. The constructor returns once the consumer has its
 * partitions, so nothing sent after it is missed; {@link #start} starts reading.
 */
abstract class TopicWatcher extends Thread implements AutoCloseable {

  private final KafkaConsumer<String, String> consumer;
  private volatile boolean running = true;

  TopicWatcher(E2eStack stack, List<String> topics) {
    super("topic-watcher");
    consumer = consumer(stack, "latest");
    consumer.subscribe(topics);
    while (consumer.assignment().isEmpty()) {
      consumer.poll(Duration.ofMillis(100));
    }
    setDaemon(true);
  }

  /** One event read, with its record (topic, key, timestamp); runs on this thread. */
  protected abstract void on(ConsumerRecord<String, String> record, Envelope event);

  @Override
  public final void run() {
    while (running) {
      for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
        on(r, EventCodec.decode(r.value()));
      }
    }
    consumer.close();
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    join(5_000);
  }

  /**
   * A consumer of strings in a group of its own that starts at {@code reset} ("latest", "earliest")
   * and commits nothing.
   */
  static KafkaConsumer<String, String> consumer(E2eStack stack, String reset) {
    Properties config = new Properties();
    config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.broker.bootstrapServers());
    config.put(ConsumerConfig.GROUP_ID_CONFIG, "benchmark-" + UUID.randomUUID());
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, reset);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    return new KafkaConsumer<>(config);
  }
}
