package dev.slipway.worker.runner;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.common.events.CommandFinished;
import dev.slipway.common.events.CommandOutput;
import dev.slipway.common.events.CommandRequested;
import dev.slipway.common.events.EventCodec;
import dev.slipway.common.events.EventTypes;
import dev.slipway.common.events.Topics;
import dev.slipway.platform.secrets.CredentialStore;
import dev.slipway.stack.RealServices;
import dev.slipway.stack.TopicReader;
import dev.slipway.worker.ssh.FakeWindowsHost;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The runner with a command on a Windows host ({@link FakeWindowsHost}, which answers as OpenSSH
 * for Windows and PowerShell would): an abort and a timeout each kill the command's process tree
 * with {@code taskkill /PID <the pid it printed> /T /F} on a second channel, and the command is
 * reported aborted / timed out; the pid line is not in its log.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
class CommandRunnerWindowsIT {

  static FakeWindowsHost host;

  @Inject CredentialStore credentials;
  @Inject EntityManager entityManager;

  @ConfigProperty(name = "kafka.bootstrap.servers")
  String bootstrap;

  @BeforeAll
  static void startHost() throws Exception {
    Path dir = Files.createTempDirectory("runner-windows-host");
    host = FakeWindowsHost.start(dir);
  }

  @AfterEach
  void endWhatIsLeft() {
    host.endAll();
  }

  @AfterAll
  static void stopHost() throws Exception {
    host.close();
  }

  @Test
  void anAbortedWindowsCommandsProcessTreeIsKilledAndItEndsAborted() throws Exception {
    int killsBefore = host.killsReceived().size();
    CommandRequested request = newCommand("Start-Sleep -Seconds 300", 600);

    publish(request);
    await().atMost(Duration.ofSeconds(30)).until(() -> stdoutOf(request).startsWith("sleeping"));
    long pid = host.lastPid();
    RunnerTestSupport.sql(
        entityManager,
        "update commands set abort_reason = 'aborted by the test' where id = ?1",
        request.commandId());
    CommandFinished result = awaitResult(request);

    assertEquals(CommandFinished.ABORTED, result.outcome(), result.toString());
    List<String> kills = host.killsReceived();
    assertEquals(
        List.of("taskkill /PID " + pid + " /T /F"), kills.subList(killsBefore, kills.size()));
    assertFalse(host.runningPids().contains(pid), "its process was killed");
    String stdout = stdoutOf(request);
    assertTrue(stdout.startsWith("sleeping\r\n"), "no banner, no pid marker: " + stdout);
    assertFalse(stdout.contains(" " + pid + " "), stdout);
  }

  @Test
  void aWindowsCommandThatPassesItsTimeoutHasItsProcessTreeKilledAndEndsTimedOut()
      throws Exception {
    int killsBefore = host.killsReceived().size();
    CommandRequested request = newCommand("Start-Sleep -Seconds 300", 2);

    publish(request);
    CommandFinished result = awaitResult(request);

    assertEquals(CommandFinished.TIMED_OUT, result.outcome(), result.toString());
    List<String> kills = host.killsReceived();
    assertEquals(
        List.of("taskkill /PID " + host.lastPid() + " /T /F"),
        kills.subList(killsBefore, kills.size()));
  }

  private CommandRequested newCommand(String command, long timeoutSeconds) {
    String resourceId =
        RunnerTestSupport.registerHost(
            entityManager,
            credentials,
            host,
            host.clientPrivateKeyPem(),
            "fake-windows",
            "windows");
    return RunnerTestSupport.request(
        entityManager,
        RunnerTestSupport.Step.run(resourceId, "main", command, "C:\\build", timeoutSeconds));
  }

  private void publish(CommandRequested request) throws Exception {
    RunnerTestSupport.publish(
        bootstrap, EventCodec.envelope(EventTypes.COMMAND_REQUESTED, request.commandId(), request));
  }

  private CommandFinished awaitResult(CommandRequested request) {
    return RunnerTestSupport.awaitResult(bootstrap, request.commandId(), Duration.ofSeconds(60));
  }

  private String stdoutOf(CommandRequested request) {
    return TopicReader.readAll(bootstrap, Topics.COMMAND_OUTPUT).stream()
        .map(r -> EventCodec.data(EventCodec.decode(r.value()), CommandOutput.class))
        .filter(c -> c.commandId().equals(request.commandId()))
        .filter(c -> c.stream().equals(CommandOutput.STDOUT))
        .sorted(Comparator.comparingLong(CommandOutput::seq))
        .map(CommandOutput::text)
        .collect(Collectors.joining());
  }
}
