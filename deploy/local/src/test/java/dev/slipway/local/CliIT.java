package dev.slipway.local;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.stack.SshTestHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@code slipway} command line as a user runs it: its own JVM against the real coordinator and
 * worker, a real SSH host; Ctrl-C is a SIGTERM ({@link Process#destroy()}), which runs the same
 * shutdown hook as SIGINT.
 */
class CliIT {

  static E2eStack stack;
  static SshTestHost host;
  static Path keyFile;

  private final List<Process> started = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    stack = E2eStack.get();
    host = stack.sshHost();
    keyFile = Files.createTempFile(stack.work, "client-key", ".pem");
    Files.writeString(keyFile, host.clientPrivateKeyPem());
  }

  @AfterEach
  void stopCli() {
    started.forEach(Process::destroyForcibly);
  }

  @Test
  void heldLeaseIsActiveAndReleasedOnCtrlC() throws Exception {
    String pool = "cli-" + UUID.randomUUID().toString().substring(0, 8);
    Finished added =
        run(
            "host",
            "add",
            "--name",
            "host-" + pool,
            "--address",
            host.address(),
            "--port",
            String.valueOf(host.port()),
            "--user",
            host.user(),
            "--key-file",
            keyFile.toString(),
            "--platform",
            "linux",
            "--attr",
            "pool=" + pool);
    assertEquals(0, added.code(), added.output());
    Matcher id = Pattern.compile("(?m)^id:\\s+(\\S+)$").matcher(added.output());
    assertTrue(id.find() && added.output().startsWith("id:"), added.output());
    JsonNode registered = stack.api.get("api/v1/hosts/" + id.group(1)).ok();
    assertEquals(pool, registered.get("attributes").get("pool").asText());

    Running hold = start("lease", "acquire", "--type", "host", "--attr", "pool=" + pool, "--hold");
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> hold.output().contains("holding lease") || !hold.process.isAlive());
    Matcher held = Pattern.compile("holding lease (\\S+);").matcher(hold.output());
    assertTrue(held.find(), hold.output());
    String lease = held.group(1);
    JsonNode active = stack.api.get("api/v1/leases/" + lease).ok();
    assertEquals("active", active.get("status").asText(), active.toString());
    assertEquals(id.group(1), active.get("resourceId").asText(), active.toString());

    hold.process.destroy();

    assertTrue(hold.process.waitFor(20, TimeUnit.SECONDS), hold.output());
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertEquals(
                    "released",
                    stack.api.get("api/v1/leases/" + lease).ok().get("status").asText()));
    assertEquals(0, hold.process.exitValue(), hold.output());
    assertTrue(hold.output().contains("released " + lease), hold.output());
  }

  @Test
  void attributeWithoutValueIsAUsageErrorNamingTheOption() throws Exception {
    Finished bad = run("lease", "acquire", "--type", "host", "--attr", "nokey");

    assertEquals(2, bad.code(), bad.output());
    assertTrue(bad.output().contains("--attr"), bad.output());
    assertTrue(bad.output().contains("nokey"), bad.output());
  }

  @Test
  void unknownHostExitsOneWithTheApisMessage() throws Exception {
    String message = stack.api.get("api/v1/hosts/no-such-host").json().get("message").asText();

    Finished show = run("host", "show", "no-such-host");

    assertEquals(1, show.code(), show.output());
    assertEquals("slipway: " + message, show.output().strip());
  }

  record Finished(int code, String output) {}

  /**
   * A CLI process whose stdout and stderr go, merged, to a file: {@link Process#destroy()} closes
   * the pipes to a child, so output written after the signal (the release) would be lost in one.
   */
  record Running(Process process, Path log) {
    String output() throws IOException {
      return Files.readString(log);
    }
  }

  private Finished run(String... args) throws Exception {
    Running cli = start(args);
    assertTrue(cli.process.waitFor(60, TimeUnit.SECONDS), "slipway did not exit: " + cli.output());
    return new Finished(cli.process.exitValue(), cli.output());
  }

  private Running start(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("dev.slipway.cli.Main");
    command.add("--server");
    command.add(stack.services.apiUrl());
    command.addAll(List.of(args));
    Path log = Files.createTempFile(stack.work, "cli", ".log");
    Process process =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    started.add(process);
    return new Running(process, log);
  }
}
