package dev.slipway.worker.runner;

import static org.awaitility.Awaitility.await;

import dev.slipway.common.events.CommandFinished;
import dev.slipway.common.events.Envelope;
import dev.slipway.common.events.EventCodec;
import dev.slipway.common.events.Topics;
import dev.slipway.stack.TopicReader;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** What the runner's integration tests do around the runner: rows, events in and results out. */
final class RunnerTestSupport {

  private RunnerTestSupport() {}

  /** Runs one SQL statement with positional parameters, in a transaction of its own if none. */
  static void sql(EntityManager entityManager, String statement, Object... parameters) {
    if (!QuarkusTransaction.isActive()) {
      QuarkusTransaction.requiringNew().run(() -> sql(entityManager, statement, parameters));
      return;
    }
    var query = entityManager.createNativeQuery(statement);
    for (int i = 0; i < parameters.length; i++) {
      query.setParameter(i + 1, parameters[i]);
    }
    query.executeUpdate();
  }

  /** Publishes {@code envelope} on the command-request topic, as the coordinator's relay does. */
  static void publish(String bootstrap, Envelope envelope) throws Exception {
    try (KafkaProducer<String, String> producer = TopicReader.producer(bootstrap)) {
      TopicReader.send(
          producer,
          new ProducerRecord<>(
              Topics.COMMAND_REQUESTS, envelope.key(), EventCodec.encode(envelope)));
    }
  }

  /** The {@code command.finished} of command {@code commandId}, once a runner published it. */
  static CommandFinished awaitResult(String bootstrap, String commandId, Duration atMost) {
    CommandFinished[] found = new CommandFinished[1];
    await()
        .atMost(atMost)
        .until(
            () -> {
              for (var r : TopicReader.readAll(bootstrap, Topics.COMMAND_RESULTS)) {
                CommandFinished f =
                    EventCodec.data(EventCodec.decode(r.value()), CommandFinished.class);
                if (f.commandId().equals(commandId)) {
                  found[0] = f;
                }
              }
              return found[0] != null;
            });
    return found[0];
  }
}
