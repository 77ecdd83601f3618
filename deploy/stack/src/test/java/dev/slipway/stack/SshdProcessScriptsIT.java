package dev.slipway.stack;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.stack.TestSshClient.Result;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example script-host blueprint of {@code deploy/blueprints/sshd-process}, run as the allocator
 * worker runs a blueprint's scripts (the request in the environment and as JSON on stdin): its
 * hosts are real OpenSSH servers that log in the client key they were given, and destroy kills only
 * the sshd it started.
 */
class SshdProcessScriptsIT {

  private static final Path SCRIPTS =
      SshdProcessBlueprint.scriptsIn(Path.of(System.getProperty("slipway.home", "../..")));
  private static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  @TempDir Path state;
  private final KeyPair clientKey = SshKeys.generate();
  // a tag that needs escaping in JSON: list must print it back as it was given
  private final String tag = "slipway-it \"" + UUID.randomUUID() + "\" \\ \t";
  private final List<String> tokens = new ArrayList<>();
  private final List<Process> bystanders = new ArrayList<>();

  @BeforeEach
  void sshdInstalled() {
    assumeTrue(OpenSshHost.available(), OpenSshHost.UNAVAILABLE);
  }

  @AfterEach
  void destroyWhatWasMade() throws Exception {
    for (String token : tokens) {
      run("destroy", Map.of("SLIPWAY_TOKEN", token, "SLIPWAY_TAG", tag), "{}");
    }
    bystanders.forEach(Process::destroyForcibly);
  }

  @Test
  void provisionMakesAHostThatAnswersIsListedAndIsGoneAfterDestroy() throws Exception {
    String token = UUID.randomUUID().toString();
    JsonNode host = provision(token);

    assertEquals("127.0.0.1", host.get("address").asText());
    assertEquals(System.getProperty("user.name"), host.get("user").asText());
    assertTrue(host.get("hostKey").asText().startsWith("ssh-ed25519 AAAA"), host.toString());
    String providerId = host.get("providerId").asText();
    assertTrue(providerId.startsWith("sshd-" + host.get("port").asInt() + "-"), providerId);

    TestSshHost target = scriptHost(host.get("port").asInt(), host.get("hostKey").asText());
    try (TestSshClient client = TestSshClient.start(target)) {
      // Slipway checks readiness itself: provision need not wait for the port
      Result result =
          await()
              .atMost(Duration.ofSeconds(10))
              .ignoreExceptions()
              .until(() -> echoOk(client, target), r -> r.exitStatus() == 0);
      assertEquals("ok\n", result.stdout());
      assertEquals(target.hostPublicKey(), PublicKeyEntry.toString(client.seenHostKey()));
    }

    assertTrue(list(tag).contains(entry(providerId, token)), list(tag).toString());
    assertFalse(list("another-" + tag).toString().contains(providerId));

    JsonNode again = provision(token);
    assertEquals(providerId, again.get("providerId").asText());
    assertEquals(host.get("port"), again.get("port"));
    assertEquals(host.get("hostKey"), again.get("hostKey"));

    long pid = sshdPid();
    Run destroyed = destroy(token, providerId, host.toString());
    assertEquals(0, destroyed.exit(), destroyed.stderr());
    assertFalse(running(pid), "sshd " + pid + " survived destroy");
    assertFalse(Ports.accepting(target.port()), "port " + target.port() + " still accepts");
    assertEquals(List.of(), hostDirectories());

    Run twice = destroy(token, providerId, host.toString());
    assertEquals(0, twice.exit(), twice.stderr());
    assertFalse(list(tag).toString().contains(providerId), list(tag).toString());
  }

  @Test
  void destroyWithoutAProviderIdDestroysWhatWasMadeForTheToken() throws Exception {
    String token = UUID.randomUUID().toString();
    JsonNode host = provision(token);
    long pid = sshdPid();

    Run destroyed = destroy(token, "", "{}");

    assertEquals(0, destroyed.exit(), destroyed.stderr());
    assertFalse(running(pid), "sshd " + pid + " survived destroy");
    assertFalse(Ports.accepting(host.get("port").asInt()));
    assertEquals(List.of(), hostDirectories());
  }

  @Test
  void destroyNeverKillsAProcessThatIsNotTheHostsSshd() throws Exception {
    String token = UUID.randomUUID().toString();
    JsonNode host = provision(token);
    long sshd = sshdPid();
    // the sshd dies on its own, and its pid now names another process
    ProcessHandle.of(sshd).ifPresent(ProcessHandle::destroy);
    await().atMost(Duration.ofSeconds(10)).until(() -> !running(sshd));
    Process sleep = new ProcessBuilder("sleep", "300").start();
    bystanders.add(sleep);
    Files.writeString(pidFile(), sleep.pid() + "\n");

    assertFalse(list(tag).toString().contains(host.get("providerId").asText()));
    Run destroyed = destroy(token, host.get("providerId").asText(), host.toString());

    assertEquals(0, destroyed.exit(), destroyed.stderr());
    assertTrue(destroyed.stderr().contains("not this host's sshd"), destroyed.stderr());
    assertFalse(sleep.waitFor(500, TimeUnit.MILLISECONDS), "destroy killed " + sleep.pid());
    assertEquals(List.of(), hostDirectories());
  }

  @Test
  void provisionWithoutAnAuthorizedKeyFailsSayingWhyAndLeavesNothing() throws Exception {
    String token = UUID.randomUUID().toString();
    tokens.add(token);
    Map<String, String> env = request(token);
    env.remove("SLIPWAY_SSHD_AUTHORIZED_KEY");

    Run run = run("provision", env, stdin(token));

    assertNotEquals(0, run.exit());
    assertEquals("", run.stdout());
    assertTrue(run.stderr().contains("SLIPWAY_SSHD_AUTHORIZED_KEY is not set"), run.stderr());
    assertEquals(List.of(), hostDirectories());
  }

  @Test
  void aTakenPortIsRetriedAndProvisionFailsWhenNoneIsFree() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      String token = UUID.randomUUID().toString();
      tokens.add(token);
      Map<String, String> env = request(token);
      env.put("SLIPWAY_SSHD_PORT_MIN", String.valueOf(port));
      env.put("SLIPWAY_SSHD_PORT_MAX", String.valueOf(port));

      Run run = run("provision", env, stdin(token));

      assertNotEquals(0, run.exit());
      assertEquals("", run.stdout());
      assertTrue(run.stderr().contains("port " + port + " is taken; trying another"), run.stderr());
      assertTrue(run.stderr().contains("no free port found in 10 attempts"), run.stderr());
      assertEquals(List.of(), hostDirectories());
    }
  }

  private JsonNode provision(String token) throws Exception {
    tokens.add(token);
    Run run = run("provision", request(token), stdin(token));
    assertEquals(0, run.exit(), "provision failed:\n" + run.stderr());
    return JSON.readTree(run.stdout());
  }

  private Run destroy(String token, String providerId, String stdin) throws Exception {
    return run(
        "destroy",
        Map.of(
            "SLIPWAY_RESOURCE_ID", "res-" + token,
            "SLIPWAY_TOKEN", token,
            "SLIPWAY_TAG", tag,
            "SLIPWAY_PROVIDER_ID", providerId),
        stdin);
  }

  private List<JsonNode> list(String tag) throws Exception {
    Run run = run("list", Map.of("SLIPWAY_TAG", tag), "");
    assertEquals(0, run.exit(), run.stderr());
    List<JsonNode> hosts = new ArrayList<>();
    JSON.readTree(run.stdout()).forEach(hosts::add);
    return hosts;
  }

  private JsonNode entry(String providerId, String token) {
    return JSON.createObjectNode()
        .put("providerId", providerId)
        .put("tag", tag)
        .put("token", token);
  }

  private Map<String, String> request(String token) {
    Map<String, String> env = new HashMap<>();
    env.put("SLIPWAY_RESOURCE_ID", "res-" + token);
    env.put("SLIPWAY_TOKEN", token);
    env.put("SLIPWAY_TAG", tag);
    env.put("SLIPWAY_BLUEPRINT", "sshd-process");
    env.put("SLIPWAY_ATTRIBUTES", "{\"platform\":\"linux\"}");
    env.put("SLIPWAY_SSHD_AUTHORIZED_KEY", SshKeys.publicKeyLine(clientKey.getPublic()));
    return env;
  }

  private String stdin(String token) {
    ObjectNode request = JSON.createObjectNode();
    request.put("resourceId", "res-" + token).put("token", token).put("tag", tag);
    request.put("blueprint", "sshd-process");
    request.putObject("attributes").put("platform", "linux");
    return request.toString();
  }

  private Run run(String script, Map<String, String> env, String stdin) throws Exception {
    Path out = Files.createTempFile(state, script, ".out");
    Path err = Files.createTempFile(state, script, ".err");
    ProcessBuilder builder =
        new ProcessBuilder(SCRIPTS.resolve(script).toString())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    builder.environment().put("SLIPWAY_SSHD_STATE", state.resolve("hosts").toString());
    builder.environment().putAll(env);
    Process process = builder.start();
    try (OutputStream in = process.getOutputStream()) {
      in.write(stdin.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      // the scripts read the environment; one that exits before reading stdin closes the pipe
    }
    if (!process.waitFor(SCRIPT_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(script + " ran longer than " + SCRIPT_TIMEOUT);
    }
    return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
  }

  private Result echoOk(TestSshClient client, TestSshHost target) throws Exception {
    try (ClientSession session = client.login(target.clientPrivateKeyPem())) {
      return TestSshClient.exec(session, "echo ok");
    }
  }

  private List<Path> hostDirectories() throws IOException {
    Path hosts = state.resolve("hosts");
    if (!Files.isDirectory(hosts)) {
      return List.of();
    }
    try (Stream<Path> dirs = Files.list(hosts)) {
      return dirs.toList();
    }
  }

  private Path pidFile() throws IOException {
    List<Path> dirs = hostDirectories();
    assertEquals(1, dirs.size(), dirs.toString());
    return dirs.get(0).resolve("sshd.pid");
  }

  private long sshdPid() throws IOException {
    return Long.parseLong(Files.readString(pidFile()).trim());
  }

  /** Whether process {@code pid} exists and has not exited (a zombie has). */
  private static boolean running(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (IOException e) {
      return false;
    }
  }

  private record Run(int exit, String stdout, String stderr) {}

  /** A host that provision made, as the test client connects to it. */
  private ExternalSshHost scriptHost(int port, String hostKeyLine) throws Exception {
    // as the test client compares it: type and key, without the comment
    String hostKey =
        PublicKeyEntry.toString(
            PublicKeyEntry.parsePublicKeyEntry(hostKeyLine).resolvePublicKey(null, null, null));
    return new ExternalSshHost(port, clientKey, hostKey);
  }
}
