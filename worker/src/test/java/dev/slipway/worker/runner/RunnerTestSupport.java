package dev.slipway.worker.runner;

import static org.awaitility.Awaitility.await;

import dev.slipway.common.events.CommandFinished;
import dev.slipway.common.events.CommandRequested;
import dev.slipway.common.events.Envelope;
import dev.slipway.common.events.EventCodec;
import dev.slipway.common.events.Topics;
import dev.slipway.platform.secrets.Credential;
import dev.slipway.platform.secrets.CredentialStore;
import dev.slipway.stack.TestSshHost;
import dev.slipway.stack.TopicReader;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
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

  /**
   * A host resource for {@code server}, logging in with {@code privateKey} (saved as a credential),
   * of {@code platform} (null: none recorded), in a transaction of its own: its id.
   */
  static String registerHost(
      EntityManager entityManager,
      CredentialStore credentials,
      TestSshHost server,
      String privateKey,
      String hostName,
      String platform) {
    String resourceId = "host-" + hostName + "-" + UUID.randomUUID().toString().substring(0, 8);
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              String credentialId = credentials.save(Credential.SSH_PRIVATE_KEY, privateKey);
              sql(
                  entityManager,
                  "insert into resources (id, blueprint_id, type, name, status, attributes, slots,"
                      + " address, port, username, credential_id)"
                      + " values (?1, 'static-host', 'host', ?1, 'active', cast(?6 as jsonb), 1,"
                      + " ?2, ?3, ?4, ?5)",
                  resourceId,
                  server.address(),
                  server.port(),
                  server.user(),
                  credentialId,
                  platform == null ? "{}" : "{\"platform\": \"" + platform + "\"}");
            });
    return resourceId;
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

  /**
   * A step's command on host resource {@code resourceId}, as the coordinator asks for it: {@code
   * action} is {@code run}, {@code upload-artifact} or {@code download-artifact} (then with its
   * {@code artifact} and {@code artifactPath}).
   */
  record Step(
      String resourceId,
      String name,
      String command,
      String workingDirectory,
      long timeoutSeconds,
      String action,
      String artifact,
      String artifactPath) {

    /** A run step. */
    static Step run(
        String resourceId,
        String name,
        String command,
        String workingDirectory,
        long timeoutSeconds) {
      return new Step(
          resourceId, name, command, workingDirectory, timeoutSeconds, "run", null, null);
    }
  }

  /**
   * The rows the coordinator would have written for {@code step} (a running build, an active lease
   * of the host, the requested command), in a transaction of their own, and the event it would have
   * sent.
   */
  static CommandRequested request(EntityManager entityManager, Step step) {
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    String buildId = "build-" + suffix;
    String leaseId = "lease-" + suffix;
    String commandId = "cmd-" + suffix;
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              sql(
                  entityManager,
                  "insert into builds (id, plan_name, plan_yaml, status) values (?1, 'p', '', 'running')",
                  buildId);
              sql(
                  entityManager,
                  "insert into leases (id, type, resource_id, owner, status)"
                      + " values (?1, 'host', ?2, ?3, 'active')",
                  leaseId,
                  step.resourceId(),
                  buildId);
              sql(
                  entityManager,
                  "insert into commands (id, build_id, step_name, lease_id, resource_id, command,"
                      + " working_directory, timeout_seconds, status, action, artifact_name,"
                      + " artifact_path)"
                      + " values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'requested', ?9, ?10, ?11)",
                  commandId,
                  buildId,
                  step.name(),
                  leaseId,
                  step.resourceId(),
                  step.command(),
                  step.workingDirectory(),
                  step.timeoutSeconds(),
                  step.action(),
                  step.artifact(),
                  step.artifactPath());
            });
    return new CommandRequested(
        commandId,
        buildId,
        step.name(),
        leaseId,
        step.resourceId(),
        step.command(),
        Map.of(),
        step.workingDirectory(),
        step.timeoutSeconds());
  }
}
