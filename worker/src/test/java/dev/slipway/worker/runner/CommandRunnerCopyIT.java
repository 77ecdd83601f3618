package dev.slipway.worker.runner;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.common.events.CommandFinished;
import dev.slipway.common.events.CommandRequested;
import dev.slipway.common.events.EventCodec;
import dev.slipway.common.events.EventTypes;
import dev.slipway.platform.artifact.ArtifactStore;
import dev.slipway.platform.artifact.Artifacts;
import dev.slipway.platform.secrets.Credential;
import dev.slipway.platform.secrets.CredentialStore;
import dev.slipway.stack.RealServices;
import dev.slipway.worker.artifact.HostileSftpHost;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The runner's artifact copies (upload-artifact, download-artifact steps) stop when their command
 * is aborted or passes its timeout, as a command on the host does, and say so with the outcome
 * {@code aborted} or {@code timed-out}. The host is an SFTP server that answers slowly ({@link
 * HostileSftpHost#delay}), so a copy takes long enough to be stopped.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
class CommandRunnerCopyIT {

  static HostileSftpHost host;
  static Path hostDir;

  @Inject CredentialStore credentials;
  @Inject EntityManager entityManager;
  @Inject Artifacts artifacts;
  @Inject ArtifactStore store;

  @ConfigProperty(name = "kafka.bootstrap.servers")
  String bootstrap;

  @BeforeAll
  static void startHost() throws Exception {
    hostDir = Files.createTempDirectory("runner-copy-host");
    host = HostileSftpHost.start(hostDir);
    Path slow = Files.createDirectories(hostDir.resolve("slow"));
    for (int i = 0; i < 40; i++) {
      Files.writeString(slow.resolve("f" + i + ".txt"), "file " + i);
    }
  }

  @AfterEach
  void quick() {
    host.delay = Duration.ZERO;
  }

  @AfterAll
  static void stopHost() throws Exception {
    host.close();
  }

  @Test
  void aCopyThatIsAbortedStopsAndEndsAborted() throws Exception {
    host.delay = Duration.ofMillis(300); // 40 files: 30 s and more
    CommandRequested request = newUpload("slow", "slow-aborted", 600);
    Instant started = Instant.now();

    publish(request);
    await().atMost(Duration.ofSeconds(30)).until(() -> "running".equals(statusOf(request)));
    sql(
        "update commands set abort_reason = 'aborted by the test' where id = ?1",
        request.commandId());
    CommandFinished result = awaitResult(request);

    assertEquals(CommandFinished.ABORTED, result.outcome(), result.toString());
    assertTrue(
        Duration.between(started, Instant.now()).compareTo(Duration.ofSeconds(20)) < 0,
        "the copy ran on after its abort");
    assertTrue(artifacts.find(request.buildId(), "slow-aborted").isEmpty());
    assertThrows(NoSuchFileException.class, () -> store.open(request.buildId(), "slow-aborted"));
  }

  @Test
  void aCopyThatPassesItsTimeoutStopsAndEndsTimedOut() throws Exception {
    host.delay = Duration.ofMillis(300);
    CommandRequested request = newUpload("slow", "slow-timed-out", 2);
    Instant started = Instant.now();

    publish(request);
    CommandFinished result = awaitResult(request);

    assertEquals(CommandFinished.TIMED_OUT, result.outcome(), result.toString());
    assertTrue(
        Duration.between(started, Instant.now()).compareTo(Duration.ofSeconds(20)) < 0,
        "the copy ran on after its timeout");
    assertTrue(artifacts.find(request.buildId(), "slow-timed-out").isEmpty());
  }

  @Test
  void aCopyInTimeEndsWithExitStatusZero() throws Exception {
    CommandRequested request = newUpload("slow", "slow-in-time", 600);

    publish(request);
    CommandFinished result = awaitResult(request);

    assertTrue(result.succeeded(), result.toString());
    assertTrue(artifacts.find(request.buildId(), "slow-in-time").isPresent());
  }

  private String statusOf(CommandRequested request) {
    return QuarkusTransaction.requiringNew()
        .call(
            () ->
                (String)
                    entityManager
                        .createNativeQuery("select status from commands where id = ?1")
                        .setParameter(1, request.commandId())
                        .getSingleResult());
  }

  /**
   * Rows the coordinator would have written for an upload-artifact step (a host, a build, an active
   * lease, the copy command) and the event it would have sent.
   */
  private CommandRequested newUpload(String path, String artifact, long timeoutSeconds) {
    String resourceId = "host-copy-" + UUID.randomUUID().toString().substring(0, 8);
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              String credentialId =
                  credentials.save(Credential.SSH_PRIVATE_KEY, host.clientPrivateKeyPem());
              sql(
                  "insert into resources (id, blueprint_id, type, name, status, attributes, slots,"
                      + " address, port, username, credential_id)"
                      + " values (?1, 'static-host', 'host', ?1, 'active', '{}', 1, ?2, ?3, ?4, ?5)",
                  resourceId,
                  host.address(),
                  host.port(),
                  host.user(),
                  credentialId);
            });
    return RunnerTestSupport.request(
        entityManager,
        new RunnerTestSupport.Step(
            resourceId,
            "publish",
            "upload-artifact " + path + " as " + artifact,
            hostDir.toString(),
            timeoutSeconds,
            "upload-artifact",
            artifact,
            path));
  }

  private void sql(String statement, Object... parameters) {
    RunnerTestSupport.sql(entityManager, statement, parameters);
  }

  private void publish(CommandRequested request) throws Exception {
    RunnerTestSupport.publish(
        bootstrap, EventCodec.envelope(EventTypes.COMMAND_REQUESTED, request.commandId(), request));
  }

  private CommandFinished awaitResult(CommandRequested request) {
    return RunnerTestSupport.awaitResult(bootstrap, request.commandId(), Duration.ofSeconds(60));
  }
}
