package dev.slipway.containers;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.DockerComposeContainer;

/**
 * The root {@code docker-compose.yml} (and any override files) brought up for real, as the
 * container tests share it: podman's Docker API on a private socket ({@code
 * deploy/containers/setup}), the images built locally ({@code deploy/containers/build-images}),
 * fresh secrets, the stack started through Testcontainers' compose support under a project of its
 * own, the command line pointed at it; at the end everything removed and checked gone. Figures are
 * printed with the prefix {@code [containers]}.
 */
final class ComposeStack {

  static final Path ROOT =
      Path.of(System.getProperty("slipway.home", "../..")).toAbsolutePath().normalize();
  static final String PROJECT_LABEL = "com.docker.compose.project";
  static final String SERVICE_LABEL = "com.docker.compose.service";

  private final List<Path> files = new ArrayList<>();
  private final Map<String, String> env = new HashMap<>();
  private DockerComposeContainer<?> compose;
  private String project;
  private Cli cli;

  /**
   * A stack of {@code docker-compose.yml} and {@code overrides} (paths relative to the repository),
   * with {@code environment} besides its secrets.
   */
  ComposeStack(Map<String, String> environment, String... overrides) {
    files.add(ROOT.resolve("docker-compose.yml"));
    for (String override : overrides) {
      files.add(ROOT.resolve(override));
    }
    env.putAll(environment);
  }

  /**
   * Installs and starts what is missing (skips the test where no container engine can run), builds
   * the images, and brings the stack up with {@code workers} workers; returns once the sample hosts
   * are registered.
   */
  ComposeStack start(int workers) throws Exception {
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
    env.put("SLIPWAY_KAFKA_PASSWORD", base64Url(random, 24));
    int port = freePort();
    env.put("SLIPWAY_PORT", Integer.toString(port));

    String identifier = "slipwayit" + Long.toString(System.nanoTime() & 0xffffff, 36);
    compose =
        new DockerComposeContainer<>(identifier, files.stream().map(Path::toFile).toList())
            .withLocalCompose(true)
            .withPull(false)
            .withEnv(env)
            .withRemoveVolumes(true);
    start = System.nanoTime();
    compose.start();
    project = projectOf(identifier);
    if (workers != 1) {
      // Scaled after the start: Testcontainers would bring up only the scaled service.
      compose("up", "-d", "--no-deps", "--scale", "worker=" + workers, "worker");
    }
    cli = new Cli(ROOT, "http://127.0.0.1:" + port, token);
    await("the sample hosts registered")
        .atMost(Duration.ofMinutes(4))
        .pollInterval(Duration.ofSeconds(2))
        .ignoreExceptions()
        .until(() -> hostNames().containsAll(List.of("build-host-1", "build-host-2")));
    System.out.printf(
        "[containers] stack %s up, sample hosts registered, in %.1f s%n", project, seconds(start));
    return this;
  }

  Cli cli() {
    return cli;
  }

  String project() {
    return project;
  }

  /** The coordinator's API on this machine, e.g. {@code http://127.0.0.1:PORT}. */
  String server() {
    return "http://127.0.0.1:" + env.get("SLIPWAY_PORT");
  }

  String bootstrapToken() {
    return env.get("SLIPWAY_BOOTSTRAP_TOKEN");
  }

  /**
   * Stops the stack, removing its volumes, and asserts that no container, network or volume of its
   * project is left. Does nothing when it never started.
   */
  void stop() {
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
  }

  List<String> hostNames() throws Exception {
    List<String> names = new ArrayList<>();
    cli.json("host", "list").forEach(h -> names.add(h.path("name").asText()));
    return names;
  }

  /** The running containers of the stack's service {@code service}. */
  List<Container> running(String service) {
    return DockerClientFactory.instance()
        .client()
        .listContainersCmd()
        .withLabelFilter(List.of(PROJECT_LABEL + "=" + project, SERVICE_LABEL + "=" + service))
        .exec();
  }

  /** One value from the stack's database, through psql in its container. */
  String sql(String query) throws Exception {
    return compose(
            "exec", "-T", "postgres", "psql", "-U", "slipway", "-d", "slipway", "-tAc", query)
        .trim();
  }

  /** docker-compose on this stack's project and files, with its environment; returns its output. */
  String compose(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("docker-compose", "-p", project));
    for (Path file : files) {
      command.add("-f");
      command.add(file.toString());
    }
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

  static boolean onPath(String program) {
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

  /**
   * A plan file: a {@code lease-host} step asking for {@code attributes} (a YAML flow mapping),
   * then a {@code run} step named {@code name} running {@code command} (a YAML scalar as given).
   */
  static Path plan(String name, String attributes, String command) throws Exception {
    Path file = Files.createTempFile(name, ".yaml");
    Files.writeString(
        file,
        String.join(
            "\n",
            "steps:",
            "  - name: buildhost",
            "    kind: lease-host",
            "    attributes: " + attributes,
            "  - name: " + name,
            "    kind: run",
            "    on: buildhost",
            "    command: " + command,
            ""));
    return file;
  }

  static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  static {
    Locale.setDefault(Locale.ROOT);
  }
}
