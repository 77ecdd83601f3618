package dev.slipway.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deployment files, {@code docker-compose.yml} and every manifest under {@code deploy/k8s},
 * agree with the code ({@link DeploymentManifests} checks them; the other tests here break a copy
 * of the tree in one place each and see that check name the file and the wrong value).
 *
 * <p>The rules, for each of the coordinator and the worker:
 *
 * <ul>
 *   <li><b>Every environment variable given to its container is a setting.</b> That is every
 *       variable of its compose service's {@code environment}, of its Deployment's {@code env} and
 *       {@code envFrom} (the keys of the ConfigMap and Secret the kustomization generates), and of
 *       its Dockerfile's {@code ENV}. A variable is a setting when its Dockerfile's {@code
 *       ENTRYPOINT} reads it ({@code JAVA_OPTS}), or when it is the environment-variable name
 *       (Quarkus' rule: upper case, every character but letters and digits as {@code _}) of a
 *       property the service reads: a key of its {@code application.properties} or of the
 *       platform's {@code META-INF/microprofile-config.properties} (profile prefix removed), a
 *       {@code @ConfigProperty} name or a {@code @ConfigMapping} member (prefix plus the method's
 *       name in kebab case) in the sources of its module, {@code platform} or {@code common}, or a
 *       property outside {@code slipway.*} (Quarkus', Kafka's, MicroProfile's) that docs/config.md
 *       documents for it; or, outside {@code SLIPWAY_*}, a variable docs/config.md documents for it
 *       (the {@code KAFKA_*} client settings). Slipway's own properties must thus exist in the
 *       code, whatever the docs say.
 *   <li><b>Every such variable is documented</b>: it appears, in backquotes, in a table row of
 *       docs/config.md's sections "Both services", "Kafka with credentials", "Container images" or
 *       the service's own ("Coordinator", "Worker"), so the docs give its property and default.
 *   <li><b>The required settings are given</b> by compose and by Kubernetes, not empty: {@code
 *       slipway.secrets.master-key}, the datasource's URL, user and password, {@code
 *       kafka.bootstrap.servers}, and for the coordinator {@code slipway.bootstrap-token}. A
 *       Secret's values come from a generator whose env file is git-ignored; the test reads its
 *       committed template ({@code FILE.example}), whose values must be empty, and every key of it
 *       must reach a container.
 *   <li><b>Images and build paths</b>: each compose {@code build} context and Dockerfile exists;
 *       the services are built from their module's {@code src/main/docker/Dockerfile.jvm} as {@code
 *       localhost/slipway-MODULE}, the Deployments run those images, and every kustomize {@code
 *       images} entry names one of them.
 *   <li><b>Ports</b>: the Dockerfile's {@code EXPOSE} and {@code QUARKUS_HTTP_PORT}, compose's
 *       published container ports, the Deployment's {@code containerPort}s, its probes' ports and
 *       the Service's {@code targetPort} are all the service's {@code quarkus.http.port}; the
 *       probes ask Quarkus' {@code /q/health/ready}, {@code /q/health/live} (and {@code
 *       /q/health/started}).
 *   <li><b>Artifacts</b>: both services mount one shared volume (compose: one named volume; k8s:
 *       one ReadWriteMany claim) at their {@code SLIPWAY_ARTIFACTS_DIRECTORY}; pods run as the
 *       image's user; a read-only root file system comes with a volume at {@code /tmp}.
 *   <li><b>Topics</b>: compose's topic-init {@code TOPICS} are exactly the constants of {@code
 *       Topics} and the dead-letter topics the consumers declare in their {@code
 *       application.properties} (each {@code Topics.deadLetter} of its topic).
 *   <li><b>KEDA</b>: a ScaledObject scales the worker Deployment with one kafka trigger per
 *       consumer of the worker's {@code application.properties}, with its topic and {@code
 *       group.id}, and the brokers the worker is given.
 *   <li>Every manifest file is in the kustomization's {@code resources}, there is a Service for the
 *       coordinator and a PodDisruptionBudget for each Deployment.
 * </ul>
 */
class DeploymentManifestsTest {

  static final Path ROOT = root();

  @TempDir Path copy;

  @Test
  void theDeploymentFilesAgreeWithTheCode() {
    List<String> problems = DeploymentManifests.check(ROOT);
    assertEquals(List.of(), problems, () -> String.join("\n", problems));
  }

  @Test
  void aComposeVariableThatIsNoSettingIsNamed() throws IOException {
    List<String> problems =
        problemsAfter(
            "docker-compose.yml",
            s ->
                s.replace(
                    "    KAFKA_BOOTSTRAP_SERVERS: kafka:9092\n",
                    "    KAFKA_BOOTSTRAP_SERVERS: kafka:9092\n"
                        + "    SLIPWAY_WORKER_RUNER_ENABLED: \"false\"\n"));
    assertHas(
        problems,
        "docker-compose.yml: service worker: environment: SLIPWAY_WORKER_RUNER_ENABLED is no setting");
    assertHas(
        problems,
        "docker-compose.yml: service coordinator: environment: SLIPWAY_WORKER_RUNER_ENABLED is no setting");
  }

  @Test
  void aSettingOfTheOtherServiceOrOneMissingFromTheDocsIsNamed() throws IOException {
    List<String> problems =
        problemsAfter("deploy/k8s/settings.env", s -> s + "SLIPWAY_RUNNER_ORPHAN_AFTER=20s\n");
    assertHas(
        problems,
        "deploy/k8s/settings.env: (ConfigMap slipway-settings for deploy/k8s/coordinator.yaml:"
            + " Deployment slipway-coordinator, container coordinator): SLIPWAY_RUNNER_ORPHAN_AFTER"
            + " is no setting of the coordinator");
    assertHas(
        problems,
        "deploy/k8s/settings.env: (ConfigMap slipway-settings for deploy/k8s/worker.yaml:"
            + " Deployment slipway-worker, container worker): SLIPWAY_RUNNER_ORPHAN_AFTER is not"
            + " documented in docs/config.md");
  }

  @Test
  void aMissingRequiredSettingIsNamed() throws IOException {
    List<String> problems =
        problemsAfter(
            "deploy/k8s/coordinator.yaml",
            s ->
                s.replace(
                    """
                                - name: SLIPWAY_BOOTSTRAP_TOKEN
                                  valueFrom:
                                    secretKeyRef:
                                      name: slipway-secrets
                                      key: SLIPWAY_BOOTSTRAP_TOKEN
                    """,
                    ""));
    assertHas(
        problems,
        "deploy/k8s/coordinator.yaml: Deployment slipway-coordinator, container coordinator:"
            + " required setting slipway.bootstrap-token is not given (SLIPWAY_BOOTSTRAP_TOKEN)");
    assertHas(
        problems,
        "deploy/k8s/secrets.env.example: SLIPWAY_BOOTSTRAP_TOKEN is given to no container");
  }

  @Test
  void portsThatDisagreeAreNamed() throws IOException {
    List<String> problems =
        problemsAfter(
            "deploy/k8s/worker.yaml", s -> s.replace("containerPort: 8081", "containerPort: 8082"));
    assertHas(
        problems,
        "deploy/k8s/worker.yaml: Deployment slipway-worker, container worker: containerPort 8082"
            + " but the worker listens on 8081");
    assertHas(
        problems,
        "deploy/k8s/worker.yaml: Deployment slipway-worker, container worker: readinessProbe"
            + " targets port http but the worker listens on 8081");

    problems =
        problemsAfter(
            "coordinator/src/main/docker/Dockerfile.jvm",
            s -> s.replace("EXPOSE 8080", "EXPOSE 8088"));
    assertHas(
        problems,
        "coordinator/src/main/docker/Dockerfile.jvm: EXPOSE [8088] but quarkus.http.port of the"
            + " coordinator is 8080");
  }

  @Test
  void topicsThatDisagreeAreNamed() throws IOException {
    List<String> problems =
        problemsAfter("docker-compose.yml", s -> s.replace(" slipway.audit\n", " slipway.bogus\n"));
    assertHas(problems, "docker-compose.yml: service topic-init: TOPICS lacks [slipway.audit]");
    assertHas(problems, "docker-compose.yml: service topic-init: TOPICS has [slipway.bogus]");
  }

  @Test
  void kedaTriggersThatDisagreeAreNamed() throws IOException {
    List<String> problems =
        problemsAfter(
            "deploy/k8s/worker-scaledobject.yaml",
            s -> s.replace("consumerGroup: slipway-runner", "consumerGroup: slipway-runners"));
    assertHas(
        problems,
        "deploy/k8s/worker-scaledobject.yaml: ScaledObject slipway-worker: kafka trigger on topic"
            + " slipway.command-requests, group slipway-runners is no consumer of the worker");
    assertHas(
        problems,
        "deploy/k8s/worker-scaledobject.yaml: ScaledObject slipway-worker: no kafka trigger for"
            + " [topic, group] [[slipway.command-requests, slipway-runner]]");
  }

  @Test
  void aBrokerThatTakesClientsWithoutCredentialsIsNamed() throws IOException {
    List<String> problems =
        problemsAfter(
            "docker-compose.yml",
            s ->
                s.replace(
                    "KAFKA_ADVERTISED_LISTENERS: SASL_PLAINTEXT://kafka:9092",
                    "KAFKA_ADVERTISED_LISTENERS: PLAINTEXT://kafka:9092"));
    assertHas(
        problems,
        "docker-compose.yml: service kafka: KAFKA_ADVERTISED_LISTENERS PLAINTEXT://kafka:9092 lets"
            + " clients in without credentials, and build hosts share its network");
  }

  @Test
  void aBuildPathThatDoesNotExistIsNamed() throws IOException {
    List<String> problems =
        problemsAfter(
            "docker-compose.yml",
            s -> s.replace("build: deploy/build-host\n", "build: deploy/build-hosts\n"));
    assertHas(
        problems,
        "docker-compose.yml: service sample-keys: build context deploy/build-hosts does not exist");
  }

  @Test
  void aSecretInTheTemplateIsNamed() throws IOException {
    List<String> problems =
        problemsAfter(
            "deploy/k8s/secrets.env.example",
            s ->
                s.replace(
                    "QUARKUS_DATASOURCE_PASSWORD=\n", "QUARKUS_DATASOURCE_PASSWORD=hunter2\n"));
    assertHas(
        problems,
        "deploy/k8s/secrets.env.example: QUARKUS_DATASOURCE_PASSWORD has a value in the template");
  }

  /** What the check finds in a copy of the tree whose {@code file} was changed by {@code edit}. */
  private List<String> problemsAfter(String file, UnaryOperator<String> edit) throws IOException {
    for (String part :
        List.of(
            "docker-compose.yml",
            "deploy/k8s",
            "deploy/build-host",
            "docs/config.md",
            "common/src/main",
            "platform/src/main",
            "coordinator/src/main",
            "worker/src/main",
            "cli/src/main/docker")) {
      copyTree(ROOT.resolve(part), copy.resolve(part));
    }
    Path target = copy.resolve(file);
    String before = Files.readString(target);
    String after = edit.apply(before);
    assertNotEquals(before, after, "the edit of " + file + " changed nothing");
    Files.writeString(target, after);
    return DeploymentManifests.check(copy);
  }

  private static void copyTree(Path from, Path to) throws IOException {
    if (Files.isRegularFile(from)) {
      Files.createDirectories(to.getParent());
      Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
      return;
    }
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : files.toList()) {
        Path dest = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(dest);
        } else {
          Files.copy(f, dest, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  private static void assertHas(List<String> problems, String start) {
    assertTrue(
        problems.stream().anyMatch(p -> p.startsWith(start)),
        () ->
            "no problem starts with\n  "
                + start
                + "\nproblems:\n  "
                + String.join("\n  ", problems));
  }

  private static Path root() {
    String home = System.getProperty("slipway.home");
    Path dir = Path.of(home != null ? home : "").toAbsolutePath().normalize();
    while (dir != null && !Files.isRegularFile(dir.resolve("docker-compose.yml"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException(
          "no docker-compose.yml above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }
}
