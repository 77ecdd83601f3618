package dev.slipway.containers;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import org.junit.jupiter.api.TestMethodOrder;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.DockerComposeContainer;

/**
 * The root {@code docker-compose.yml} brought up for real: podman's Docker API on a private socket
 * ({@code deploy/containers/setup}), the images built locally ({@code
 * deploy/containers/build-images}), the stack started through Testcontainers' compose support with
 * three workers, then checked with the command line as an operator would: the sample hosts
 * registered, builds on them, a worker killed while it runs a build's command (the build still
 * passes), workers scaled to one and back, and everything removed at the end. Figures are printed
 * with the prefix {@code [containers]}.
 */
@TestInstance(Lifecycle.PER_CLASS)
@TestMethodOrder(OrderAnnotation.class)
class ComposeStackIT {

  private static final Path ROOT =
      Path.of(System.getProperty("slipway.home", "../..")).toAbsolutePath().normalize();
  private static final String PROJECT_LABEL = "com.docker.compose.project";
  private static final String SERVICE_LABEL = "com.docker.compose.service";
  private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(3);

  private final Map<String, String> env = new HashMap<>();
  private DockerComposeContainer<?> compose;
  private String project;
  private Cli cli;
  private int buildsRun;

  @BeforeAll
  void bringTheStackUp() throws Exception {
    Assumptions.assumeTrue(
        onPath("podman") || onPath("apt-get"),
        "no container engine can run here: neither podman nor apt-get (to install it) is present");
    script("setup");
    long start = System.nanoTime();
    for (String line : script("build-images").split("\n")) {
      if (line.startsWith("build-images:")) {
        System.out.println("[containers] image " + line.substring("build-images:".length()).trim());
      }
    }
    System.out.printf("[containers] images built in %.1f s%n", seconds(start));

    SecureRandom random = new SecureRandom();
    String token = "slw_" + base64Url(random, 32);
    env.put("SLIPWAY_SECRETS_MASTER_KEY", Base64.getEncoder().encodeToString(bytes(random, 32)));
    env.put("SLIPWAY_BOOTSTRAP_TOKEN", token);
    env.put("SLIPWAY_DB_PASSWORD", base64Url(random, 24));
    int port = freePort();
    env.put("SLIPWAY_PORT", Integer.toString(port));

    String identifier = "slipwayit" + Long.toString(System.nanoTime() & 0xffffff, 36);
    compose =
        new DockerComposeContainer<>(identifier, ROOT.resolve("docker-compose.yml").toFile())
            .withLocalCompose(true)
            .withPull(false)
            .withEnv(env)
            .withRemoveVolumes(true);
    start = System.nanoTime();
    compose.start();
    project = projectOf(identifier);
    // Scaled after the start: Testcontainers would bring up only the scaled service.
    compose("up", "-d", "--no-deps", "--scale", "worker=3", "worker");
    cli = new Cli(ROOT, "http://127.0.0.1:" + port, token);
    await("the sample hosts registered")
        .atMost(Duration.ofMinutes(4))
        .pollInterval(Duration.ofSeconds(2))
        .ignoreExceptions()
        .until(() -> hostNames().containsAll(List.of("build-host-1", "build-host-2")));
    System.out.printf(
        "[containers] stack %s up, sample hosts registered, in %.1f s%n", project, seconds(start));
  }

  @AfterAll
  void tearDown() {
    if (compose == null) {
      return;
    }
    long start = System.nanoTime();
    compose.stop();
    System.out.printf("[containers] stack torn down in %.1f s%n", seconds(start));
    if (project == null) {
      return;
    }
    DockerClient docker = DockerClientFactory.instance().client();
    String label = PROJECT_LABEL + "=" + project;
    assertEquals(
        List.of(),
        docker.listContainersCmd().withShowAll(true).withLabelFilter(List.of(label)).exec().stream()
            .map(c -> List.of(c.getNames()))
            .toList(),
        "containers left");
    assertEquals(
        List.of(),
        docker.listNetworksCmd().exec().stream()
            .filter(n -> n.getName().startsWith(project + "_"))
            .map(n -> n.getName())
            .toList(),
        "networks left");
    assertEquals(
        List.of(),
        docker.listVolumesCmd().exec().getVolumes().stream()
            .filter(v -> v.getName().startsWith(project + "_"))
            .map(v -> v.getName())
            .toList(),
        "volumes left");
    System.out.printf(
        "[containers] builds run: %d; no containers, networks or volumes left%n", buildsRun);
  }

  @Test
  @Order(1)
  void threeWorkersRunAndTheSampleHostsAreActive() throws Exception {
    assertEquals(3, runningWorkers().size());
    JsonNode hosts = cli.json("host", "list");
    for (String name : List.of("build-host-1", "build-host-2")) {
      JsonNode host = find(hosts, name);
      assertEquals("active", host.path("status").asText(), host.toString());
      assertEquals("linux", host.path("platform").asText(), host.toString());
    }
  }

  @Test
  @Order(2)
  void buildsPassOnTheSampleHosts() throws Exception {
    cli.ok(
        "plan",
        "apply",
        plan("hello", "echo hello from $(hostname)").toString(),
        "--name",
        "hello");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      ids.add(cli.ok("build", "start", "--plan", "hello").trim());
    }
    for (String id : ids) {
      assertEquals("passed", awaitFinished(id).path("status").asText());
      assertTrue(cli.ok("logs", id).contains("hello from "), "the log has the command's output");
    }
    System.out.printf("[containers] %d builds passed on the sample hosts%n", ids.size());
  }

  @Test
  @Order(3)
  void aBuildSurvivesTheKillOfTheWorkerRunningItsCommand() throws Exception {
    cli.ok(
        "plan",
        "apply",
        plan("slow", "for i in 1 2 3 4 5 6 7 8; do echo tick $i; sleep 1; done; echo survived")
            .toString(),
        "--name",
        "slow");
    String id = cli.ok("build", "start", "--plan", "slow").trim();
    String runner =
        await("the command started by a runner")
            .atMost(BUILD_TIMEOUT)
            .pollInterval(Duration.ofMillis(300))
            .until(
                () ->
                    sql(
                        "select runner from commands where build_id = '"
                            + id
                            + "' and started_at is not null and runner is not null"),
                r -> !r.isEmpty());
    // A runner is named pid@hostname-…, and a container's hostname is the start of its id.
    String hostname = runner.substring(runner.indexOf('@') + 1, runner.lastIndexOf('-'));
    Container victim =
        runningWorkers().stream()
            .filter(c -> c.getId().startsWith(hostname))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no worker container is " + runner));
    DockerClientFactory.instance().client().killContainerCmd(victim.getId()).exec();
    System.out.printf(
        "[containers] killed worker container %s (%s) while it ran build %s%n",
        victim.getNames()[0], hostname, id);

    JsonNode build = awaitFinished(id);
    assertEquals("passed", build.path("status").asText(), build.toString());
    String log = cli.ok("logs", id);
    assertTrue(log.contains("tick 1") && log.contains("survived"), log);
    String finisher = sql("select runner from commands where build_id = '" + id + "'");
    assertNotEquals(runner, finisher, "another runner took the command over");
    System.out.printf(
        "[containers] build %s passed after the kill: its command was finished by %s%n",
        id, finisher);
  }

  @Test
  @Order(4)
  void workersScaleToOneAndBack() throws Exception {
    for (int replicas : new int[] {1, 3}) {
      long start = System.nanoTime();
      compose("up", "-d", "--no-deps", "--scale", "worker=" + replicas, "worker");
      await("workers at " + replicas)
          .atMost(Duration.ofMinutes(2))
          .until(() -> runningWorkers().size() == replicas);
      String id = cli.ok("build", "start", "--plan", "hello").trim();
      assertEquals("passed", awaitFinished(id).path("status").asText());
      System.out.printf(
          "[containers] scaled to %d worker(s) in %.1f s; a build passed%n",
          replicas, seconds(start));
    }
  }

  private JsonNode awaitFinished(String id) {
    buildsRun++;
    return await("build " + id + " finished")
        .atMost(BUILD_TIMEOUT)
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> cli.json("build", "show", id),
            b -> !List.of("pending", "running").contains(b.path("status").asText()));
  }

  private List<String> hostNames() throws Exception {
    List<String> names = new ArrayList<>();
    cli.json("host", "list").forEach(h -> names.add(h.path("name").asText()));
    return names;
  }

  private static JsonNode find(JsonNode hosts, String name) {
    for (JsonNode host : hosts) {
      if (name.equals(host.path("name").asText())) {
        return host;
      }
    }
    throw new AssertionError(name + " is not in " + hosts);
  }

  private List<Container> runningWorkers() {
    return DockerClientFactory.instance()
        .client()
        .listContainersCmd()
        .withLabelFilter(List.of(PROJECT_LABEL + "=" + project, SERVICE_LABEL + "=worker"))
        .exec();
  }

  /** The compose project Testcontainers made for {@code identifier}: its name starts with it. */
  private static String projectOf(String identifier) {
    return DockerClientFactory.instance()
        .client()
        .listContainersCmd()
        .withShowAll(true)
        .exec()
        .stream()
        .map(c -> c.getLabels().getOrDefault(PROJECT_LABEL, ""))
        .filter(p -> p.startsWith(identifier))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no container of compose project " + identifier));
  }

  /** One value from the stack's database, through psql in its container. */
  private String sql(String query) throws Exception {
    return compose(
            "exec", "-T", "postgres", "psql", "-U", "slipway", "-d", "slipway", "-tAc", query)
        .trim();
  }

  private static Path plan(String name, String command) throws Exception {
    Path file = Files.createTempFile(name, ".yaml");
    Files.writeString(
        file,
        String.join(
            "\n",
            "steps:",
            "  - name: buildhost",
            "    kind: lease-host",
            "    attributes: {platform: linux, role: build}",
            "  - name: " + name,
            "    kind: run",
            "    on: buildhost",
            "    command: " + command,
            ""));
    return file;
  }

  /** docker-compose on this stack's project, with its environment; returns its output. */
  private String compose(String... args) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                "docker-compose",
                "-p",
                project,
                "-f",
                ROOT.resolve("docker-compose.yml").toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    builder
        .environment()
        .put(
            "DOCKER_HOST",
            DockerClientFactory.instance().getTransportConfig().getDockerHost().toString());
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(5, TimeUnit.MINUTES), "docker-compose did not exit");
    assertEquals(0, process.exitValue(), String.join(" ", command) + ": " + output);
    return output;
  }

  /** Runs deploy/containers/NAME and returns its output; fails the test if it fails. */
  private static String script(String name) throws Exception {
    ProcessBuilder builder =
        new ProcessBuilder(ROOT.resolve("deploy/containers").resolve(name).toString())
            .directory(ROOT.toFile())
            .redirectErrorStream(true);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(20, TimeUnit.MINUTES), name + " did not exit");
    assertEquals(0, process.exitValue(), name + " failed:\n" + output);
    return output;
  }

  private static boolean onPath(String program) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }

  private static int freePort() throws Exception {
    try (var socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static byte[] bytes(SecureRandom random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private static String base64Url(SecureRandom random, int n) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes(random, n));
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  static {
    Locale.setDefault(Locale.ROOT);
  }
}
