package dev.slipway.worker.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.slipway.common.events.CommandFinished;
import dev.slipway.common.events.CommandOutput;
import dev.slipway.common.events.CommandRequested;
import dev.slipway.common.events.EventCodec;
import dev.slipway.common.events.EventTypes;
import dev.slipway.common.events.Topics;
import dev.slipway.platform.artifact.Artifacts;
import dev.slipway.platform.secrets.Credential;
import dev.slipway.platform.secrets.CredentialStore;
import dev.slipway.stack.OpenSshHost;
import dev.slipway.stack.RealServices;
import dev.slipway.stack.TestSshHost;
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
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hosts as they come, through the whole runner (command.requested in, command.output and
 * command.finished out): stock OpenSSH without an SFTP subsystem, and one whose login shell prints
 * a banner before every command. Commands and artifact copies work on both, no step's output shows
 * the banner, and the host's row records what was found. Skipped, saying why, where {@code
 * /usr/sbin/sshd} is missing.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
class CommandRunnerHostsIT {

  static Path dir;
  static OpenSshHost noSftp;
  static OpenSshHost banner;

  @Inject CredentialStore credentials;
  @Inject EntityManager entityManager;
  @Inject Artifacts artifacts;

  @ConfigProperty(name = "kafka.bootstrap.servers")
  String bootstrap;

  @BeforeAll
  static void startHosts() throws Exception {
    assumeTrue(OpenSshHost.available(), OpenSshHost.UNAVAILABLE);
    dir = Files.createTempDirectory("runner-hosts");
    noSftp = OpenSshHost.start(dir.resolve("no-sftp"), OpenSshHost.Option.NO_SFTP);
    banner = OpenSshHost.start(dir.resolve("banner"), OpenSshHost.Option.LOGIN_BANNER);
  }

  @AfterAll
  static void stopHosts() {
    if (noSftp != null) {
      noSftp.close();
    }
    if (banner != null) {
      banner.close();
    }
  }

  @Test
  void aHostWithoutSftpRunsCommandsAndCopiesArtifacts() throws Exception {
    Path work = Files.createDirectories(dir.resolve("work-" + UUID.randomUUID()));
    String resourceId = newHost(noSftp);

    CommandRequested run =
        newCommand(resourceId, work, "echo built > out.txt; echo done; echo note >&2", null, null);
    CommandFinished ran = runToEnd(run);
    assertTrue(ran.succeeded(), ran.toString());
    assertEquals("done\n", output(run, CommandOutput.STDOUT));
    assertEquals("note\n", output(run, CommandOutput.STDERR));

    CommandRequested upload =
        newCommand(resourceId, work, "upload-artifact out.txt as out", "upload-artifact", "out");
    CommandFinished uploaded = runToEnd(upload);
    assertTrue(uploaded.succeeded(), uploaded.toString());
    assertTrue(artifacts.find(upload.buildId(), "out").isPresent());
    assertEquals(List.of(false, false), features(resourceId));
  }

  @Test
  void aLoginShellsBannerIsInNoStepsOutput() throws Exception {
    Path work = Files.createDirectories(dir.resolve("work-" + UUID.randomUUID()));
    String resourceId = newHost(banner);

    CommandRequested run = newCommand(resourceId, work, "echo out; echo err >&2", null, null);
    CommandFinished ran = runToEnd(run);
    assertTrue(ran.succeeded(), ran.toString());
    assertEquals("out\n", output(run, CommandOutput.STDOUT));
    assertEquals("err\n", output(run, CommandOutput.STDERR));
    assertFalse(String.join("", output(run, CommandOutput.STDOUT)).contains("Welcome"));
    assertEquals(List.of(false, true), features(resourceId));
  }

  private CommandFinished runToEnd(CommandRequested request) throws Exception {
    RunnerTestSupport.publish(
        bootstrap, EventCodec.envelope(EventTypes.COMMAND_REQUESTED, request.commandId(), request));
    return RunnerTestSupport.awaitResult(bootstrap, request.commandId(), Duration.ofSeconds(60));
  }

  private String output(CommandRequested request, String stream) {
    StringBuilder text = new StringBuilder();
    TopicReader.readAll(bootstrap, Topics.COMMAND_OUTPUT).stream()
        .map(r -> EventCodec.data(EventCodec.decode(r.value()), CommandOutput.class))
        .filter(c -> c.commandId().equals(request.commandId()) && c.stream().equals(stream))
        .sorted(Comparator.comparingLong(CommandOutput::seq))
        .forEach(c -> text.append(c.text()));
    return text.toString();
  }

  /** The host row's {@code sftp} and {@code login_banner}, as the runner recorded them. */
  private List<Boolean> features(String resourceId) {
    Object[] row =
        QuarkusTransaction.requiringNew()
            .call(
                () ->
                    (Object[])
                        entityManager
                            .createNativeQuery(
                                "select sftp, login_banner from resources where id = ?1")
                            .setParameter(1, resourceId)
                            .getSingleResult());
    return List.of((Boolean) row[0], (Boolean) row[1]);
  }

  private String newHost(TestSshHost host) {
    String resourceId = "host-as-it-comes-" + UUID.randomUUID().toString().substring(0, 8);
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              String credentialId =
                  credentials.save(Credential.SSH_PRIVATE_KEY, host.clientPrivateKeyPem());
              sql(
                  "insert into resources (id, blueprint_id, type, name, status, attributes, slots,"
                      + " address, port, username, credential_id, host_key)"
                      + " values (?1, 'static-host', 'host', ?1, 'active', '{\"platform\":"
                      + " \"linux\"}', 2, ?2, ?3, ?4, ?5, ?6)",
                  resourceId,
                  host.address(),
                  host.port(),
                  host.user(),
                  credentialId,
                  host.hostPublicKey());
            });
    return resourceId;
  }

  /**
   * Rows the coordinator would have written for a step on {@code resourceId} (a build, an active
   * lease, the command) and the event it would have sent; {@code action} null: a run step.
   */
  private CommandRequested newCommand(
      String resourceId, Path work, String command, String action, String artifact) {
    return RunnerTestSupport.request(
        entityManager,
        new RunnerTestSupport.Step(
            resourceId,
            "step",
            command,
            work.toString(),
            120,
            action == null ? "run" : action,
            artifact,
            artifact == null ? null : "out.txt"));
  }

  private void sql(String statement, Object... parameters) {
    RunnerTestSupport.sql(entityManager, statement, parameters);
  }
}
