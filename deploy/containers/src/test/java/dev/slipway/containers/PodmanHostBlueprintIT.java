package dev.slipway.containers;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Container;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import org.testcontainers.DockerClientFactory;

/**
 * The podman-host blueprint example ({@code deploy/blueprints/podman-host}) run for real: the root
 * {@code docker-compose.yml} with {@code docker-compose.podman-host.yml} on top (one worker, with a
 * podman client and podman's API socket), a shared credential and a {@code script-host} blueprint
 * naming the example's scripts registered, and a build whose lease asks for {@code pool=podman}: a
 * new container of the build-host image is made for it on the workers' network, the build runs
 * there, the blueprint's {@code list} shows it while it runs, and once the build has passed the
 * container is removed by {@code destroy}. Then the stack is torn down and nothing of it, nor any
 * container with its installation's tag, is left. Figures are printed with {@code [containers]}.
 */
@TestInstance(Lifecycle.PER_CLASS)
class PodmanHostBlueprintIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SCRIPTS = "/opt/slipway/blueprints/podman-host/";
  private static final String TAG_LABEL = "dev.slipway.tag";
  private static final String TOKEN_LABEL = "dev.slipway.token";
  private static final Duration WAIT = Duration.ofMinutes(3);

  private Path keys;
  private ComposeStack stack;
  private Cli cli;

  /** This installation's tag, which its host containers carry. */
  private String tag;

  @BeforeAll
  void bringTheStackUp() throws Exception {
    keys = Files.createTempDirectory("podman-host-keys");
    run(
        "ssh-keygen",
        "-q",
        "-t",
        "ed25519",
        "-N",
        "",
        "-C",
        "podman-hosts",
        "-f",
        key().toString());
    String engine = DockerClientFactory.instance().getTransportConfig().getDockerHost().toString();
    stack =
        new ComposeStack(
            Map.of(
                "SLIPWAY_PODMAN_AUTHORIZED_KEY",
                Files.readString(Path.of(key() + ".pub")).trim(),
                "SLIPWAY_PODMAN_SOCKET",
                URI.create(engine).getPath()),
            "deploy/blueprints/podman-host/docker-compose.podman-host.yml");
    cli = stack.start(1).cli();
    tag = stack.sql("select tag from installation");
    assertTrue(!tag.isEmpty(), "the installation has a tag");
  }

  @AfterAll
  void tearDown() throws Exception {
    if (stack == null) {
      return;
    }
    // A host container a failed test left on the stack's network would keep the network: removed
    // first, and reported below.
    List<String> leftHosts = new ArrayList<>();
    if (tag != null) {
      for (Container c : hostContainers()) {
        leftHosts.add(c.getNames()[0]);
        docker().removeContainerCmd(c.getId()).withForce(true).exec();
      }
    }
    stack.stop();
    if (stack.project() != null) {
      assertEquals(List.of(), leftHosts, "host containers left with tag " + tag);
      assertEquals(List.of(), hostContainers(), "host containers with tag " + tag);
      System.out.printf(
          "[containers] podman-host: no containers, networks or volumes left, no host container with tag %s%n",
          tag);
    }
    if (keys != null) {
      for (Path f : List.of(key(), Path.of(key() + ".pub"))) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(keys);
    }
  }

  @Test
  void aBuildRunsOnAContainerMadeForItWhichIsRemovedAfterwards() throws Exception {
    String credentialId = addCredential();
    Path config = Files.createTempFile("podman-host", ".json");
    Files.writeString(
        config,
        JSON.writeValueAsString(
            Map.of(
                "provision",
                SCRIPTS + "provision",
                "destroy",
                SCRIPTS + "destroy",
                "list",
                SCRIPTS + "list",
                "credentialId",
                credentialId,
                "attributes",
                Map.of("pool", "podman"),
                "maxResources",
                2,
                "timeouts",
                Map.of("provision", "2m", "ready", "1m"))));
    cli.ok(
        "blueprint", "add", "podman-host", "--kind", "script-host", "--config", config.toString());

    // The command holds its host until the test has looked at it: it waits for a file.
    cli.ok(
        "plan",
        "apply",
        ComposeStack.plan(
                "run",
                "{platform: linux, pool: podman}",
                "'echo built on $(hostname); while [ ! -e /tmp/slipway-go ]; do sleep 0.2; done;"
                    + " echo released'")
            .toString(),
        "--name",
        "on-podman");
    long start = System.nanoTime();
    String id = cli.ok("build", "start", "--plan", "on-podman").trim();

    JsonNode host =
        await("an active host of blueprint podman-host")
            .atMost(WAIT)
            .pollInterval(Duration.ofMillis(250))
            .until(() -> podmanHost("active"), h -> h != null);
    double provisioned = ComposeStack.seconds(start);
    List<Container> containers = hostContainers();
    assertEquals(1, containers.size(), "one host container with tag " + tag);
    InspectContainerResponse made = docker().inspectContainerCmd(containers.get(0).getId()).exec();
    String name = made.getName().replaceFirst("^/", "");
    System.out.printf(
        "[containers] podman-host: host %s (container %s) made and active %.1f s after the build started%n",
        host.path("name").asText(), name, provisioned);

    // What Slipway knows of the host is the container: its id, its address on the workers' network.
    assertEquals(made.getId(), host.path("providerId").asText(), host.toString());
    String network = stack.project() + "_default";
    assertEquals(
        made.getNetworkSettings().getNetworks().get(network).getIpAddress(),
        host.path("address").asText(),
        "the host's address is the container's on " + network);
    assertEquals("podman", host.path("attributes").path("provider").asText(), host.toString());
    assertEquals(tag, made.getConfig().getLabels().get(TAG_LABEL));
    String token = made.getConfig().getLabels().get(TOKEN_LABEL);
    assertTrue(token != null && !token.isEmpty(), "the container carries its token");

    // The blueprint's list, run in the worker container as the worker's user, shows it.
    String listed =
        stack.compose(
            "exec", "-T", "-u", "slipway", "-e", "SLIPWAY_TAG=" + tag, "worker", SCRIPTS + "list");
    JsonNode instances = JSON.readTree(listed.substring(listed.lastIndexOf("\n[") + 1).trim());
    assertEquals(1, instances.size(), listed);
    assertEquals(made.getId(), instances.get(0).path("providerId").asText(), listed);
    assertEquals(token, instances.get(0).path("token").asText(), listed);

    exec(made.getId(), "touch", "/tmp/slipway-go");
    JsonNode build =
        await("build " + id + " finished")
            .atMost(WAIT)
            .pollInterval(Duration.ofMillis(250))
            .until(
                () -> cli.json("build", "show", id),
                b -> !List.of("pending", "running").contains(b.path("status").asText()));
    long finished = System.nanoTime();
    assertEquals("passed", build.path("status").asText(), build.toString());
    String log = cli.ok("logs", id);
    assertTrue(log.contains("built on " + name), "ran on the container " + name + ": " + log);
    assertTrue(log.contains("released"), log);
    System.out.printf(
        "[containers] podman-host: build %s passed on %s, %.1f s after it started (its command waited for the checks above)%n",
        id, name, ComposeStack.seconds(start));

    await("container " + name + " removed")
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(250))
        .until(() -> hostContainers().isEmpty());
    System.out.printf(
        "[containers] podman-host: container %s removed %.1f s after the build finished%n",
        name, ComposeStack.seconds(finished));
    String hostId = host.path("id").asText();
    await("host " + hostId + " destroyed")
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(500))
        .until(() -> cli.ok("resource", "log", hostId), l -> l.contains("removed container"));
    assertTrue(
        cli.ok("resource", "log", hostId).contains("made container " + name),
        "the host's log has what provision wrote");
  }

  /** The host of blueprint podman-host in {@code status}, or null. */
  private JsonNode podmanHost(String status) throws Exception {
    for (JsonNode h : cli.json("host", "list")) {
      if ("podman-host".equals(h.path("blueprint").asText())
          && status.equals(h.path("status").asText())) {
        return h;
      }
    }
    return null;
  }

  /** Stores the key pair's private key as a shared credential; returns its id. */
  private String addCredential() throws Exception {
    String body =
        JSON.writeValueAsString(
            Map.of("name", "podman-hosts", "privateKey", Files.readString(key())));
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(stack.server() + "/api/v1/credentials"))
                    .header("Authorization", "Bearer " + stack.bootstrapToken())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(201, response.statusCode(), response.body());
    return JSON.readTree(response.body()).path("id").asText();
  }

  private List<Container> hostContainers() {
    return docker()
        .listContainersCmd()
        .withShowAll(true)
        .withLabelFilter(List.of(TAG_LABEL + "=" + tag))
        .exec();
  }

  private void exec(String container, String... command) throws Exception {
    String exec =
        docker()
            .execCreateCmd(container)
            .withCmd(command)
            .withAttachStdout(true)
            .withAttachStderr(true)
            .exec()
            .getId();
    docker().execStartCmd(exec).start().awaitCompletion(1, TimeUnit.MINUTES);
    assertEquals(
        0L, docker().inspectExecCmd(exec).exec().getExitCodeLong(), String.join(" ", command));
  }

  private static DockerClient docker() {
    return DockerClientFactory.instance().client();
  }

  private Path key() {
    return keys.resolve("podman-hosts");
  }

  private static void run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    assertTrue(process.waitFor(1, TimeUnit.MINUTES), command[0] + " did not exit");
    assertEquals(0, process.exitValue(), String.join(" ", command) + ": " + output);
  }
}
