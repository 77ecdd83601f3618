package dev.slipway.worker.runner;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.common.events.CommandFinished;
import dev.slipway.common.events.CommandOutput;
import dev.slipway.common.events.CommandRequested;
import dev.slipway.common.events.Envelope;
import dev.slipway.common.events.EventCodec;
import dev.slipway.common.events.EventTypes;
import dev.slipway.common.events.Topics;
import dev.slipway.platform.secrets.CredentialStore;
import dev.slipway.stack.DatabaseOutage;
import dev.slipway.stack.RealServices;
import dev.slipway.stack.SshTestHost;
import dev.slipway.stack.TopicReader;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The runner role alone, in Quarkus, against a real broker, database and SSH server. */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
class CommandRunnerIT {

  static SshTestHost host;
  static Path hostDir;

  @Inject CredentialStore credentials;
  @Inject EntityManager entityManager;

  @ConfigProperty(name = "kafka.bootstrap.servers")
  String bootstrap;

  @ConfigProperty(name = "quarkus.datasource.jdbc.url")
  String jdbcUrl;

  @ConfigProperty(name = "quarkus.datasource.username")
  String databaseUser;

  @ConfigProperty(name = "quarkus.datasource.password")
  Optional<String> databasePassword;

  @BeforeAll
  static void startHost() throws Exception {
    hostDir = Files.createTempDirectory("runner-host");
    host = SshTestHost.start(hostDir);
  }

  @AfterAll
  static void stopHost() throws Exception {
    host.close();
  }

  @Test
  void runsACommandAndStreamsItsOutputInOrder() throws Exception {
    CommandRequested request =
        newCommand("for i in 1 2 3; do echo out$i; echo err$i >&2; done; exit 7");

    publish(EventCodec.envelope(EventTypes.COMMAND_REQUESTED, request.commandId(), request));

    CommandFinished result = awaitResult(request);
    assertEquals(CommandFinished.EXITED, result.outcome());
    assertEquals(7, result.exitCode());
    List<CommandOutput> chunks = outputOf(request);
    String stdout = join(chunks, CommandOutput.STDOUT);
    String stderr = join(chunks, CommandOutput.STDERR);
    assertEquals(stdout.length(), result.stdoutBytes());
    assertEquals(stderr.length(), result.stderrBytes());
    assertEquals("out1\nout2\nout3\n", stdout);
    assertEquals("err1\nerr2\nerr3\n", stderr);
  }

  @Test
  void aRequestDeliveredAgainNeverStartsTheCommandTwice() throws Exception {
    String file = "ran-" + UUID.randomUUID() + ".txt";
    CommandRequested request = newCommand("echo ran >> " + file);
    Envelope first =
        EventCodec.envelope(EventTypes.COMMAND_REQUESTED, request.commandId(), request);
    Envelope again =
        EventCodec.envelope(EventTypes.COMMAND_REQUESTED, request.commandId(), request);

    publish(first);
    publish(first);
    publish(again);

    awaitResult(request);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> processed("runner.command-requests", again.id()));
    assertEquals(List.of("ran"), Files.readAllLines(hostDir.resolve(file)));
  }

  @Test
  void hostThatRefusesTheKeyGivesAClearErrorResult() throws Exception {
    CommandRequested request =
        newCommand("echo never", SshTestHost.generatePrivateKeyPem(), "refusing");

    publish(EventCodec.envelope(EventTypes.COMMAND_REQUESTED, request.commandId(), request));

    CommandFinished result = awaitResult(request);
    assertEquals(CommandFinished.ERROR, result.outcome());
    assertTrue(result.message().startsWith("authentication failed"), result.message());
  }

  @Test
  void aCommandWhoseLeaseWasReleasedBeforeItStartedNeverRuns() throws Exception {
    String file = "late-" + UUID.randomUUID() + ".txt";
    CommandRequested request = newCommand("echo ran > " + file);
    sql("update leases set status = 'released' where id = ?1", request.leaseId());

    publish(EventCodec.envelope(EventTypes.COMMAND_REQUESTED, request.commandId(), request));

    CommandFinished result = awaitResult(request);
    assertEquals(CommandFinished.ERROR, result.outcome());
    assertTrue(result.message().contains(request.leaseId() + " is released"), result.message());
    assertFalse(Files.exists(hostDir.resolve(file)), "the command ran");
  }

  @Test
  void aRequestNamingNoCommandRunsNothingAndIsDeadLettered() throws Exception {
    CommandRequested real = newCommand("true"); // its host, build and lease exist
    String marker = "forged-" + UUID.randomUUID() + ".txt";
    CommandRequested forged =
        new CommandRequested(
            "cmd-forged-" + UUID.randomUUID(),
            real.buildId(),
            "main",
            real.leaseId(),
            real.resourceId(),
            "touch " + marker,
            Map.of(),
            null,
            60);
    Envelope event = EventCodec.envelope(EventTypes.COMMAND_REQUESTED, forged.commandId(), forged);

    publish(event);

    awaitDeadLettered(event);
    assertFalse(Files.exists(hostDir.resolve(marker)), "the forged command ran");
    assertEquals("requested", statusOf(real.commandId()));
  }

  @Test
  void aRequestThatDisagreesWithItsCommandRunsNothingAndIsDeadLettered() throws Exception {
    Path otherDir = Files.createTempDirectory("runner-other-host");
    try (SshTestHost other = SshTestHost.start(otherDir)) {
      String otherHost = registerHost(other, other.clientPrivateKeyPem(), "other", null);
      String marker = "ran-" + UUID.randomUUID() + ".txt";
      CommandRequested real = newCommand("touch " + marker);
      String pwned = "pwned-" + UUID.randomUUID() + ".txt";
      List<CommandRequested> forgeries =
          List.of(
              forged(real, "resourceId", otherHost),
              forged(real, "command", "touch " + pwned),
              forged(real, "workingDirectory", otherDir.toString()),
              forged(real, "environment", Map.of("PATH", otherDir.toString())),
              forged(real, "buildId", "build-other"),
              forged(real, "leaseId", "lease-other"));
      List<Envelope> events =
          forgeries.stream()
              .map(f -> EventCodec.envelope(EventTypes.COMMAND_REQUESTED, f.commandId(), f))
              .toList();

      for (Envelope event : events) {
        publish(event);
      }
      for (Envelope event : events) {
        awaitDeadLettered(event);
      }
      assertFalse(Files.exists(otherDir.resolve(marker)), "the command ran on the other host");
      assertFalse(Files.exists(hostDir.resolve(pwned)), "the forged command text ran");
      assertFalse(Files.exists(otherDir.resolve(pwned)), "the forged command text ran");
      assertFalse(Files.exists(hostDir.resolve(marker)), "the command ran early");
      assertEquals("requested", statusOf(real.commandId()));

      // the coordinator's own request still runs the command, where the row says
      publish(EventCodec.envelope(EventTypes.COMMAND_REQUESTED, real.commandId(), real));
      assertEquals(CommandFinished.EXITED, awaitResult(real).outcome());
      assertTrue(Files.exists(hostDir.resolve(marker)));
      assertFalse(Files.exists(otherDir.resolve(marker)));
    }
  }

  /**
   * {@code r} with its field {@code field} set to {@code value}: an event the row disagrees with.
   */
  @Test
  void aCommandThatEndsDuringADatabaseOutageIsReportedOnceWithItsRealResult() throws Exception {
    CommandRequested request = newCommand("sleep 2; echo done");
    publish(EventCodec.envelope(EventTypes.COMMAND_REQUESTED, request.commandId(), request));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> "running".equals(statusOf(request.commandId())));

    // longer than a runner waits before it takes over a command whose heartbeat stopped (10 s)
    outage().cut(Duration.ofSeconds(14));

    CommandFinished result = awaitResult(request);
    assertEquals(CommandFinished.EXITED, result.outcome(), String.valueOf(result.message()));
    assertEquals(0, result.exitCode());
    assertEquals("done\n", join(outputOf(request), CommandOutput.STDOUT));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "finished".equals(statusOf(request.commandId())));
    assertEquals(1, resultsOf(request.commandId()), "reported once");
  }

  @Test
  void aRequestThatArrivesDuringADatabaseOutageRunsAfterItAndIsNotDeadLettered() throws Exception {
    CommandRequested request = newCommand("echo after the outage");
    Envelope event =
        EventCodec.envelope(EventTypes.COMMAND_REQUESTED, request.commandId(), request);
    CompletableFuture<Void> outage = outage().cutInBackground(Duration.ofSeconds(8));
    publish(event);
    outage.join();

    CommandFinished result = awaitResult(request);
    assertEquals(CommandFinished.EXITED, result.outcome(), String.valueOf(result.message()));
    assertEquals("after the outage\n", join(outputOf(request), CommandOutput.STDOUT));
    assertFalse(
        TopicReader.readAll(bootstrap, Topics.deadLetter(Topics.COMMAND_REQUESTS)).stream()
            .anyMatch(r -> EventCodec.decode(r.value()).id().equals(event.id())),
        "a valid request was dead-lettered");
  }

  @Test
  void aWindowsCommandWhoseRunnerDiedIsReportedLostAndNeverStartedAgain() throws Exception {
    String file = "windows-" + UUID.randomUUID() + ".txt";
    CommandRequested request =
        newCommand("echo ran > " + file, host.clientPrivateKeyPem(), "windows", "windows");
    // claimed by a runner that died an hour ago, as the supervisor finds it
    sql(
        "update commands set status = 'running', runner = 'runner-gone', attempts = 1,"
            + " started_at = now() - interval '1 hour', heartbeat_at = now() - interval '1 hour'"
            + " where id = ?1",
        request.commandId());

    CommandFinished result = awaitResult(request);
    assertEquals(CommandFinished.ERROR, result.outcome());
    assertEquals(CommandRunner.LOST_ON_WINDOWS, result.message());
    assertFalse(Files.exists(hostDir.resolve(file)), "the command ran again");
  }

  private DatabaseOutage outage() {
    return DatabaseOutage.of(jdbcUrl, databaseUser, databasePassword.orElse(null));
  }

  private long resultsOf(String commandId) {
    return TopicReader.readAll(bootstrap, Topics.COMMAND_RESULTS).stream()
        .map(r -> EventCodec.data(EventCodec.decode(r.value()), CommandFinished.class))
        .filter(f -> f.commandId().equals(commandId))
        .count();
  }

  private static CommandRequested forged(CommandRequested r, String field, Object value) {
    com.fasterxml.jackson.databind.node.ObjectNode tree = EventCodec.mapper().valueToTree(r);
    tree.set(field, EventCodec.mapper().valueToTree(value));
    return EventCodec.mapper().convertValue(tree, CommandRequested.class);
  }

  private void awaitDeadLettered(Envelope event) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                TopicReader.readAll(bootstrap, Topics.deadLetter(Topics.COMMAND_REQUESTS)).stream()
                    .anyMatch(r -> EventCodec.decode(r.value()).id().equals(event.id())));
  }

  private String statusOf(String commandId) {
    return QuarkusTransaction.requiringNew()
        .call(
            () ->
                (String)
                    entityManager
                        .createNativeQuery("select status from commands where id = ?1")
                        .setParameter(1, commandId)
                        .getSingleResult());
  }

  private CommandRequested newCommand(String command) {
    return newCommand(command, host.clientPrivateKeyPem(), "good");
  }

  /** A host resource for {@code server}, logging in with {@code privateKey}: its id. */
  private String registerHost(
      SshTestHost server, String privateKey, String hostName, String platform) {
    return RunnerTestSupport.registerHost(
        entityManager, credentials, server, privateKey, hostName, platform);
  }

  /**
   * Rows the coordinator would have written (a host, a build, an active lease, a command) and the
   * event it would have sent.
   */
  private CommandRequested newCommand(String command, String privateKey, String hostName) {
    return newCommand(command, privateKey, hostName, null);
  }

  private CommandRequested newCommand(
      String command, String privateKey, String hostName, String platform) {
    String resourceId = registerHost(host, privateKey, hostName, platform);
    return RunnerTestSupport.request(
        entityManager, RunnerTestSupport.Step.run(resourceId, "main", command, null, 60));
  }

  private void sql(String statement, Object... parameters) {
    RunnerTestSupport.sql(entityManager, statement, parameters);
  }

  private boolean processed(String consumer, String eventId) {
    return QuarkusTransaction.requiringNew()
        .call(
            () ->
                ((Number)
                            entityManager
                                .createNativeQuery(
                                    "select count(*) from processed_events"
                                        + " where consumer = ?1 and event_id = ?2")
                                .setParameter(1, consumer)
                                .setParameter(2, eventId)
                                .getSingleResult())
                        .intValue()
                    > 0);
  }

  private void publish(Envelope envelope) throws Exception {
    RunnerTestSupport.publish(bootstrap, envelope);
  }

  private CommandFinished awaitResult(CommandRequested request) {
    return RunnerTestSupport.awaitResult(bootstrap, request.commandId(), Duration.ofSeconds(30));
  }

  private List<CommandOutput> outputOf(CommandRequested request) {
    return TopicReader.readAll(bootstrap, Topics.COMMAND_OUTPUT).stream()
        .map(r -> EventCodec.data(EventCodec.decode(r.value()), CommandOutput.class))
        .filter(c -> c.commandId().equals(request.commandId()))
        .sorted(Comparator.comparingLong(CommandOutput::seq))
        .toList();
  }

  private static String join(List<CommandOutput> chunks, String stream) {
    StringBuilder text = new StringBuilder();
    chunks.stream().filter(c -> c.stream().equals(stream)).forEach(c -> text.append(c.text()));
    return text.toString();
  }
}
