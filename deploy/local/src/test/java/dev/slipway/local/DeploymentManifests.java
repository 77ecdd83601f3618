package dev.slipway.local;

import dev.slipway.common.events.Topics;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Checks the deployment files ({@code docker-compose.yml} and every manifest under {@code
 * deploy/k8s}) against the code of a source tree, and returns what disagrees: one message per
 * problem, each starting with the file it is in and naming the wrong value. The rules are those of
 * {@link DeploymentManifestsTest}.
 */
final class DeploymentManifests {

  static final String COMPOSE = "docker-compose.yml";
  static final String K8S = "deploy/k8s";
  static final String CONFIG_DOC = "docs/config.md";
  static final String PLATFORM_PROPERTIES =
      "platform/src/main/resources/META-INF/microprofile-config.properties";

  /** The services whose containers get settings, and the settings each must be given. */
  enum Service {
    COORDINATOR("coordinator", "Coordinator", "slipway.bootstrap-token"),
    WORKER("worker", "Worker");

    final String module;
    final String docSection;
    final List<String> required;

    Service(String module, String docSection, String... own) {
      this.module = module;
      this.docSection = docSection;
      List<String> all =
          new ArrayList<>(
              List.of(
                  "slipway.secrets.master-key",
                  "quarkus.datasource.jdbc.url",
                  "quarkus.datasource.username",
                  "quarkus.datasource.password",
                  "kafka.bootstrap.servers"));
      all.addAll(List.of(own));
      this.required = List.copyOf(all);
    }

    String image() {
      return "localhost/slipway-" + module;
    }

    String applicationProperties() {
      return module + "/src/main/resources/application.properties";
    }

    String dockerfile() {
      return module + "/src/main/docker/Dockerfile.jvm";
    }
  }

  /** Sections of docs/config.md whose settings apply to both services. */
  private static final List<String> SHARED_DOC_SECTIONS =
      List.of("Both services", "Kafka with credentials", "Container images");

  /** Modules whose sources (besides the service's own) every service runs. */
  private static final List<String> SHARED_MODULES = List.of("platform", "common");

  private static final Pattern CONFIG_PROPERTY =
      Pattern.compile("@ConfigProperty\\(\\s*name\\s*=\\s*\"([^\"]+)\"");
  private static final Pattern CONFIG_LOOKUP =
      Pattern.compile("\\.get(?:Optional)?Value\\(\\s*\"([^\"]+)\"");
  private static final Pattern CONFIG_MAPPING =
      Pattern.compile("@ConfigMapping\\(\\s*prefix\\s*=\\s*\"([^\"]+)\"");
  private static final Pattern MAPPING_METHOD =
      Pattern.compile("\\s+[\\w.<>,?\\[\\] ]+?\\s+(\\w+)\\(\\)\\s*;\\s*");
  private static final Pattern WITH_NAME = Pattern.compile("\\s*@WithName\\(\"([^\"]+)\"\\).*");
  private static final Pattern INTERPOLATION =
      Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?}");
  private static final Pattern SHELL_VARIABLE =
      Pattern.compile("\\$(?:\\{([A-Za-z_][A-Za-z0-9_]*)}|([A-Za-z_][A-Za-z0-9_]*))");
  private static final Pattern BACKTICKED = Pattern.compile("`([^`]+)`");
  private static final Pattern PROPERTY_NAME = Pattern.compile("[a-z][a-z0-9-]*(\\.[a-z0-9-]+)+");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Z][A-Z0-9_]*");

  /** Orders [topic, group] pairs. */
  private static final Comparator<List<String>> PAIRS =
      Comparator.comparing(pair -> String.join("\u0000", pair));

  private final Path root;
  private final List<String> problems = new ArrayList<>();
  private final Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));

  private DeploymentManifests(Path root) {
    this.root = root;
  }

  /** Everything in the deployment files under {@code root} that disagrees with its code. */
  static List<String> check(Path root) {
    DeploymentManifests checks = new DeploymentManifests(root);
    checks.run();
    return List.copyOf(checks.problems);
  }

  /**
   * The environment-variable name of a property: upper case, every character that is not a letter
   * or digit as {@code _} (SmallRye Config's rule for Quarkus).
   */
  static String envName(String property) {
    return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
  }

  // ---- What the code says ----------------------------------------------------------------

  /** What one service's code and docs say about its settings and its image. */
  private final class ServiceFacts {
    final Service service;
    final Properties properties;

    /** Property names the service reads (its properties files and its sources). */
    final Set<String> codeProperties = new TreeSet<>();

    /** Properties (not slipway.*) and environment variables docs/config.md documents for it. */
    final Set<String> documentedProperties = new TreeSet<>();

    final Set<String> documentedEnv = new TreeSet<>();
    final Dockerfile dockerfile;
    final int httpPort;

    ServiceFacts(Service service) {
      this.service = service;
      this.properties = loadProperties(service.applicationProperties());
      Properties shared = loadProperties(PLATFORM_PROPERTIES);
      for (Properties p : List.of(properties, shared)) {
        p.stringPropertyNames().forEach(k -> codeProperties.add(k.replaceFirst("^%[^.]+\\.", "")));
      }
      for (String module :
          Stream.concat(Stream.of(service.module), SHARED_MODULES.stream()).toList()) {
        scanSources(root.resolve(module).resolve("src/main/java"), codeProperties);
      }
      Map<String, List<String>> rows = configDocRows();
      List<String> sections = new ArrayList<>(SHARED_DOC_SECTIONS);
      sections.add(service.docSection);
      for (String section : sections) {
        for (String row : rows.getOrDefault(section, List.of())) {
          Matcher m = BACKTICKED.matcher(row);
          while (m.find()) {
            String token = m.group(1);
            if (ENV_NAME.matcher(token).matches()) {
              documentedEnv.add(token);
            } else if (PROPERTY_NAME.matcher(token).matches() && !token.startsWith("slipway.")) {
              documentedProperties.add(token);
            }
          }
        }
      }
      this.dockerfile = new Dockerfile(service.dockerfile());
      String port = properties.getProperty("quarkus.http.port");
      this.httpPort = port == null ? 8080 : Integer.parseInt(port.trim());
    }

    /**
     * Why {@code variable} is no setting of this service, or null when it is one: a variable the
     * image's entrypoint reads, one that names a property of the code, one that names a Quarkus or
     * Kafka property docs/config.md documents, or (outside SLIPWAY_*) one docs/config.md documents.
     */
    String notASetting(String variable) {
      if (dockerfile.entrypointVariables.contains(variable)) {
        return null;
      }
      for (String p : codeProperties) {
        if (envName(p).equals(variable)) {
          return null;
        }
      }
      for (String p : documentedProperties) {
        if (envName(p).equals(variable)) {
          return null;
        }
      }
      if (!variable.startsWith("SLIPWAY_") && documentedEnv.contains(variable)) {
        return null;
      }
      return "no property of the "
          + service.module
          + " maps to it (not in "
          + service.applicationProperties()
          + " or "
          + PLATFORM_PROPERTIES
          + ", no @ConfigProperty or @ConfigMapping of its sources, no Quarkus or Kafka property"
          + " in "
          + CONFIG_DOC
          + ", not read by the entrypoint of "
          + service.dockerfile()
          + ")";
    }
  }

  private void scanSources(Path dir, Set<String> into) {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        String source = Files.readString(file);
        for (Pattern p : List.of(CONFIG_PROPERTY, CONFIG_LOOKUP)) {
          Matcher m = p.matcher(source);
          while (m.find()) {
            into.add(m.group(1));
          }
        }
        Matcher mapping = CONFIG_MAPPING.matcher(source);
        if (mapping.find()) {
          // Its members: one property each, named by @WithName or the method's name in kebab case.
          String prefix = mapping.group(1);
          String withName = null;
          for (String line : source.substring(mapping.end()).split("\n")) {
            Matcher named = WITH_NAME.matcher(line);
            Matcher method = MAPPING_METHOD.matcher(line);
            if (named.matches()) {
              withName = named.group(1);
            } else if (method.matches()) {
              into.add(prefix + "." + (withName != null ? withName : kebab(method.group(1))));
              withName = null;
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String kebab(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
  }

  /** The table rows of docs/config.md, by the {@code ##} section they are in. */
  private Map<String, List<String>> configDocRows() {
    Map<String, List<String>> rows = new LinkedHashMap<>();
    String section = "";
    for (String line : readLines(CONFIG_DOC)) {
      if (line.startsWith("## ")) {
        section = line.substring(3).trim();
      } else if (line.startsWith("|")) {
        rows.computeIfAbsent(section, s -> new ArrayList<>()).add(line);
      }
    }
    return rows;
  }

  /** What the checks need of a Dockerfile. */
  private final class Dockerfile {
    final String file;
    final Map<String, String> env = new LinkedHashMap<>();
    final Set<Integer> expose = new LinkedHashSet<>();
    final Set<String> entrypointVariables = new HashSet<>();
    Integer uid;

    Dockerfile(String file) {
      this.file = file;
      if (!Files.isRegularFile(root.resolve(file))) {
        problem(file, "missing: the image of this service is built from it");
        return;
      }
      String text = String.join("\n", readLines(file)).replaceAll("\\\\\\n", " ");
      for (String line : text.split("\n")) {
        String trimmed = line.trim();
        String[] words = trimmed.split("\\s+", 2);
        if (words.length < 2 || trimmed.startsWith("#")) {
          continue;
        }
        String args = words[1].trim();
        switch (words[0].toUpperCase(Locale.ROOT)) {
          case "ENV" -> parseEnv(args);
          case "EXPOSE" -> {
            for (String port : args.split("\\s+")) {
              expose.add(Integer.parseInt(port.replaceFirst("/.*", "")));
            }
          }
          case "ENTRYPOINT", "CMD" -> {
            Matcher m = SHELL_VARIABLE.matcher(args);
            while (m.find()) {
              entrypointVariables.add(m.group(1) != null ? m.group(1) : m.group(2));
            }
          }
          case "RUN" -> {
            Matcher m = Pattern.compile("useradd[^&;]*--uid\\s+(\\d+)").matcher(args);
            if (m.find()) {
              uid = Integer.parseInt(m.group(1));
            }
          }
          default -> {}
        }
      }
    }

    private void parseEnv(String args) {
      Matcher m = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|\\S*)").matcher(args);
      boolean any = false;
      while (m.find()) {
        any = true;
        env.put(m.group(1), m.group(2).replaceAll("^\"|\"$", ""));
      }
      if (!any) {
        String[] legacy = args.split("\\s+", 2);
        env.put(legacy[0], legacy.length > 1 ? legacy[1] : "");
      }
    }
  }

  // ---- The checks --------------------------------------------------------------------------

  private void run() {
    Map<Service, ServiceFacts> facts = new LinkedHashMap<>();
    for (Service s : Service.values()) {
      facts.put(s, new ServiceFacts(s));
      checkImage(facts.get(s));
    }
    checkCompose(facts);
    checkKubernetes(facts);
  }

  /** The Dockerfile agrees with the service: its port, and its environment is settings. */
  private void checkImage(ServiceFacts f) {
    Dockerfile d = f.dockerfile;
    if (!d.expose.equals(Set.of(f.httpPort))) {
      problem(
          d.file,
          "EXPOSE "
              + d.expose
              + " but quarkus.http.port of the "
              + f.service.module
              + " is "
              + f.httpPort
              + " ("
              + f.service.applicationProperties()
              + ")");
    }
    checkPort(d.file, "ENV QUARKUS_HTTP_PORT", d.env.get("QUARKUS_HTTP_PORT"), f);
    checkVariables(d.file, "ENV", d.env.keySet(), f);
  }

  private void checkPort(String file, String where, String value, ServiceFacts f) {
    if (value != null && !value.equals(String.valueOf(f.httpPort))) {
      problem(
          file,
          where
              + "="
              + value
              + " but quarkus.http.port of the "
              + f.service.module
              + " is "
              + f.httpPort
              + " ("
              + f.service.applicationProperties()
              + ")");
    }
  }

  private void checkVariables(String file, String where, Iterable<String> names, ServiceFacts f) {
    for (String name : names) {
      String why = f.notASetting(name);
      if (why != null) {
        problem(
            file, where + ": " + name + " is no setting of the " + f.service.module + ": " + why);
      } else if (!f.documentedEnv.contains(name)) {
        problem(
            file,
            where
                + ": "
                + name
                + " is not documented in "
                + CONFIG_DOC
                + " (a table row of \""
                + String.join("\", \"", SHARED_DOC_SECTIONS)
                + "\" or \""
                + f.service.docSection
                + "\" naming the variable, with its default)");
      }
    }
  }

  private void checkRequired(String file, String where, Map<String, String> env, ServiceFacts f) {
    for (String property : f.service.required) {
      String variable = envName(property);
      if (!env.containsKey(variable)) {
        problem(
            file, where + ": required setting " + property + " is not given (" + variable + ")");
      } else if (env.get(variable) != null && env.get(variable).isBlank()) {
        problem(file, where + ": required setting " + variable + " is empty");
      }
    }
  }

  // ---- docker-compose.yml -----------------------------------------------------------------

  private void checkCompose(Map<Service, ServiceFacts> facts) {
    if (!Files.isRegularFile(root.resolve(COMPOSE))) {
      problem(COMPOSE, "missing");
      return;
    }
    Map<String, Object> compose = map(loadYaml(COMPOSE).get(0));
    Map<String, Object> services = map(compose.get("services"));
    for (Map.Entry<String, Object> e : services.entrySet()) {
      checkComposeBuild(e.getKey(), map(e.getValue()));
    }
    checkComposeIsolation(services);
    Map<Service, String> artifactVolumes = new LinkedHashMap<>();
    for (ServiceFacts f : facts.values()) {
      String name = f.service.module;
      String where = "service " + name;
      Map<String, Object> service = map(services.get(name));
      if (service.isEmpty()) {
        problem(COMPOSE, "no service " + name);
        continue;
      }
      Map<String, Object> build = map(service.get("build"));
      if (!f.service.module.equals(build.get("context"))
          || !"src/main/docker/Dockerfile.jvm".equals(build.get("dockerfile"))) {
        problem(
            COMPOSE,
            where
                + ": build "
                + build
                + " is not the module's image ("
                + f.service.dockerfile()
                + " in context "
                + f.service.module
                + ")");
      }
      String image = interpolate(String.valueOf(service.get("image")));
      if (!imageName(image).equals(f.service.image())) {
        problem(COMPOSE, where + ": image " + image + " is not " + f.service.image());
      }
      Map<String, String> env = composeEnvironment(service.get("environment"));
      checkVariables(COMPOSE, where + ": environment", env.keySet(), f);
      checkRequired(COMPOSE, where, env, f);
      checkPort(
          COMPOSE, where + ": environment QUARKUS_HTTP_PORT", env.get("QUARKUS_HTTP_PORT"), f);
      for (Object port : list(service.get("ports"))) {
        String containerPort =
            port instanceof Map<?, ?> m
                ? String.valueOf(m.get("target"))
                : interpolate(String.valueOf(port)).replaceFirst("/.*", "");
        containerPort = containerPort.substring(containerPort.lastIndexOf(':') + 1);
        if (!containerPort.equals(String.valueOf(f.httpPort))) {
          problem(
              COMPOSE,
              where
                  + ": ports "
                  + port
                  + " publish container port "
                  + containerPort
                  + " but the "
                  + name
                  + " listens on "
                  + f.httpPort
                  + " (quarkus.http.port)");
        }
      }
      String artifacts = effective("SLIPWAY_ARTIFACTS_DIRECTORY", env, f);
      String volume = null;
      for (Object v : list(service.get("volumes"))) {
        String[] parts = String.valueOf(v).split(":");
        if (parts.length >= 2 && parts[1].equals(artifacts) && !parts[0].startsWith("/")) {
          volume = parts[0];
        }
      }
      if (volume == null) {
        problem(
            COMPOSE,
            where
                + ": no named volume is mounted at the artifact store "
                + artifacts
                + " (SLIPWAY_ARTIFACTS_DIRECTORY), which the coordinator and the runners share");
      } else {
        artifactVolumes.put(f.service, volume);
      }
    }
    if (new HashSet<>(artifactVolumes.values()).size() > 1) {
      problem(
          COMPOSE,
          "the coordinator and the worker mount different artifact volumes: " + artifactVolumes);
    }
    checkComposeTopics(map(services.get("topic-init")), facts);
  }

  /**
   * Build hosts run users' commands and share the compose network with Kafka: its client listener
   * must authenticate (SASL or TLS), never take PLAINTEXT clients.
   */
  private void checkComposeIsolation(Map<String, Object> services) {
    Map<String, String> kafka = composeEnvironment(map(services.get("kafka")).get("environment"));
    String advertised = kafka.getOrDefault("KAFKA_ADVERTISED_LISTENERS", "");
    if (advertised.isEmpty() || advertised.matches("(?i).*\\bPLAINTEXT://.*")) {
      problem(
          COMPOSE,
          "service kafka: KAFKA_ADVERTISED_LISTENERS "
              + advertised
              + " lets clients in without credentials, and build hosts share its network");
    }
  }

  private void checkComposeBuild(String name, Map<String, Object> service) {
    Object build = service.get("build");
    if (build == null) {
      return;
    }
    String context =
        build instanceof Map<?, ?> m ? String.valueOf(m.get("context")) : (String) build;
    String dockerfile =
        build instanceof Map<?, ?> m && m.get("dockerfile") != null
            ? String.valueOf(m.get("dockerfile"))
            : "Dockerfile";
    Path dir = root.resolve(context).normalize();
    if (!Files.isDirectory(dir)) {
      problem(COMPOSE, "service " + name + ": build context " + context + " does not exist");
    } else if (!Files.isRegularFile(dir.resolve(dockerfile))) {
      problem(
          COMPOSE,
          "service "
              + name
              + ": build dockerfile "
              + dockerfile
              + " does not exist in context "
              + context);
    }
  }

  private void checkComposeTopics(Map<String, Object> topicInit, Map<Service, ServiceFacts> facts) {
    Set<String> expected = expectedTopics(facts);
    Object topics = composeEnvironment(topicInit.get("environment")).get("TOPICS");
    if (topics == null) {
      problem(COMPOSE, "service topic-init: no TOPICS");
      return;
    }
    List<String> listed = Arrays.asList(topics.toString().trim().split("\\s+"));
    Set<String> missing = new TreeSet<>(expected);
    missing.removeAll(listed);
    Set<String> unknown = new TreeSet<>(listed);
    unknown.removeAll(expected);
    if (!missing.isEmpty()) {
      problem(COMPOSE, "service topic-init: TOPICS lacks " + missing);
    }
    if (!unknown.isEmpty()) {
      problem(
          COMPOSE,
          "service topic-init: TOPICS has "
              + unknown
              + ", which are neither Topics constants nor dead-letter topics of a consumer");
    }
    if (new HashSet<>(listed).size() != listed.size()) {
      problem(COMPOSE, "service topic-init: TOPICS names a topic twice: " + listed);
    }
  }

  /**
   * The topics Slipway uses: the constants of {@link Topics} and the dead-letter topics its
   * consumers declare (each must be {@link Topics#deadLetter} of the topic it consumes).
   */
  private Set<String> expectedTopics(Map<Service, ServiceFacts> facts) {
    Set<String> constants = new TreeSet<>();
    for (Field field : Topics.class.getFields()) {
      if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
        try {
          constants.add((String) field.get(null));
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    Set<String> expected = new TreeSet<>(constants);
    for (ServiceFacts f : facts.values()) {
      for (Channel c : channels(f)) {
        if (!constants.contains(c.topic)) {
          problem(
              f.service.applicationProperties(),
              "channel " + c.name + " consumes " + c.topic + ", which is no Topics constant");
        }
        if (c.deadLetterTopic != null) {
          if (!c.deadLetterTopic.equals(Topics.deadLetter(c.topic))) {
            problem(
                f.service.applicationProperties(),
                "channel "
                    + c.name
                    + " dead-letters to "
                    + c.deadLetterTopic
                    + ", not "
                    + Topics.deadLetter(c.topic));
          }
          expected.add(c.deadLetterTopic);
        }
      }
    }
    return expected;
  }

  private record Channel(String name, String topic, String group, String deadLetterTopic) {}

  private List<Channel> channels(ServiceFacts f) {
    List<Channel> channels = new ArrayList<>();
    String prefix = "mp.messaging.incoming.";
    for (String key : new TreeSet<>(f.properties.stringPropertyNames())) {
      if (key.startsWith(prefix) && key.endsWith(".topic") && !key.contains("dead-letter")) {
        String name = key.substring(prefix.length(), key.length() - ".topic".length());
        channels.add(
            new Channel(
                name,
                f.properties.getProperty(key).trim(),
                f.properties.getProperty(prefix + name + ".group.id"),
                f.properties.getProperty(prefix + name + ".dead-letter-queue.topic")));
      }
    }
    return channels;
  }

  private Map<String, String> composeEnvironment(Object environment) {
    Map<String, String> env = new LinkedHashMap<>();
    if (environment instanceof Map<?, ?> m) {
      m.forEach(
          (k, v) -> env.put(String.valueOf(k), v == null ? null : interpolate(String.valueOf(v))));
    } else {
      for (Object entry : list(environment)) {
        String[] kv = String.valueOf(entry).split("=", 2);
        env.put(kv[0], kv.length > 1 ? interpolate(kv[1]) : null);
      }
    }
    return env;
  }

  /**
   * A compose value as it is for a valid environment: {@code ${V:-d}} is d, {@code ${V:?msg}} (V
   * must be set) is {@code <V>}, {@code ${V}} is empty.
   */
  private static String interpolate(String value) {
    Matcher m = INTERPOLATION.matcher(value.replace("$$", "\u0000"));
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String replacement =
          m.group(2) == null ? "" : m.group(2).endsWith("?") ? "<" + m.group(1) + ">" : m.group(3);
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString().replace("\u0000", "$");
  }

  private static String imageName(String image) {
    int slash = image.lastIndexOf('/');
    int colon = image.lastIndexOf(':');
    return colon > slash ? image.substring(0, colon) : image;
  }

  /** A variable's value in a container: its own environment, else the image's ENV. */
  private static String effective(String variable, Map<String, String> env, ServiceFacts f) {
    return env.containsKey(variable) ? env.get(variable) : f.dockerfile.env.get(variable);
  }

  // ---- deploy/k8s ---------------------------------------------------------------------------

  private record Manifest(String file, Map<String, Object> body) {
    String kind() {
      return String.valueOf(body.get("kind"));
    }

    String name() {
      return String.valueOf(map(body.get("metadata")).get("name"));
    }

    String label() {
      return kind() + " " + name();
    }
  }

  /** A generated ConfigMap or Secret: its keys and values (a Secret's values are unknown). */
  private record Generated(String file, Map<String, String> data, boolean secret) {}

  private void checkKubernetes(Map<Service, ServiceFacts> facts) {
    String kustomizationFile = K8S + "/kustomization.yaml";
    if (!Files.isRegularFile(root.resolve(kustomizationFile))) {
      problem(kustomizationFile, "missing");
      return;
    }
    Map<String, Object> kustomization = map(loadYaml(kustomizationFile).get(0));
    Set<String> listed = new TreeSet<>();
    for (Object r : list(kustomization.get("resources"))) {
      listed.add(String.valueOf(r));
      if (!Files.isRegularFile(root.resolve(K8S).resolve(String.valueOf(r)))) {
        problem(kustomizationFile, "resources names " + r + ", which does not exist");
      }
    }
    List<Manifest> manifests = new ArrayList<>();
    try (Stream<Path> files = Files.list(root.resolve(K8S))) {
      for (Path p : files.sorted().toList()) {
        String name = p.getFileName().toString();
        if (!name.matches(".*\\.ya?ml") || name.equals("kustomization.yaml")) {
          continue;
        }
        if (!listed.contains(name)) {
          problem(K8S + "/" + name, "not in the resources of " + kustomizationFile);
        }
        for (Object doc : loadYaml(K8S + "/" + name)) {
          if (doc != null) {
            manifests.add(new Manifest(K8S + "/" + name, map(doc)));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, Generated> configMaps = generated(kustomization, "configMapGenerator", false);
    Map<String, Generated> secrets = generated(kustomization, "secretGenerator", true);
    for (Manifest m : manifests) {
      Map<String, Object> data = map(m.body.get("data"));
      Map<String, String> values = new LinkedHashMap<>();
      data.forEach((k, v) -> values.put(k, m.kind().equals("Secret") ? null : String.valueOf(v)));
      if (m.kind().equals("ConfigMap")) {
        configMaps.put(m.name(), new Generated(m.file, values, false));
      } else if (m.kind().equals("Secret")) {
        secrets.put(m.name(), new Generated(m.file, values, true));
        if (!data.isEmpty() || !map(m.body.get("stringData")).isEmpty()) {
          problem(m.file, "Secret " + m.name() + " holds values: use secretGenerator");
        }
      }
    }

    Set<String> deploymentImages = new TreeSet<>();
    Set<String> usedSecretKeys = new HashSet<>();
    Map<Service, Manifest> deployments = new LinkedHashMap<>();
    Map<Service, Map<String, String>> workerEnv = new LinkedHashMap<>();
    for (Manifest m : manifests) {
      if (!m.kind().equals("Deployment")) {
        continue;
      }
      Map<String, Object> pod = map(map(map(m.body.get("spec")).get("template")).get("spec"));
      for (Object c : list(pod.get("containers"))) {
        Map<String, Object> container = map(c);
        String image = imageName(String.valueOf(container.get("image")));
        deploymentImages.add(image);
        for (ServiceFacts f : facts.values()) {
          if (image.equals(f.service.image())) {
            deployments.put(f.service, m);
            Map<String, String> env =
                checkContainer(m, pod, container, f, configMaps, secrets, usedSecretKeys);
            workerEnv.put(f.service, env);
          }
        }
      }
    }
    for (ServiceFacts f : facts.values()) {
      if (!deployments.containsKey(f.service)) {
        problem(K8S, "no Deployment runs image " + f.service.image());
      }
    }
    for (Object i : list(kustomization.get("images"))) {
      String name = String.valueOf(map(i).get("name"));
      if (!deploymentImages.contains(name)) {
        problem(kustomizationFile, "images names " + name + ", which no Deployment runs");
      }
    }
    for (Generated s : secrets.values()) {
      for (String key : s.data.keySet()) {
        if (!usedSecretKeys.contains(key)) {
          problem(s.file, key + " is given to no container");
        }
      }
    }
    checkServices(manifests, deployments, facts);
    checkArtifactClaims(manifests, deployments);
    checkDisruptionBudgets(manifests, deployments);
    checkScaledObjects(
        manifests, deployments.get(Service.WORKER), workerEnv.get(Service.WORKER), facts);
  }

  /**
   * A configMapGenerator's or secretGenerator's ConfigMaps or Secrets by name. A secret's env file
   * F holds real secrets and is never committed: its keys are read from its template F.example
   * (whose values must be empty), and F must be git-ignored.
   */
  private Map<String, Generated> generated(
      Map<String, Object> kustomization, String generator, boolean secret) {
    Map<String, Generated> result = new LinkedHashMap<>();
    String kustomizationFile = K8S + "/kustomization.yaml";
    for (Object g : list(kustomization.get(generator))) {
      Map<String, Object> spec = map(g);
      String name = String.valueOf(spec.get("name"));
      Map<String, String> data = new LinkedHashMap<>();
      String file = kustomizationFile;
      for (Object literal : list(spec.get("literals"))) {
        String[] kv = String.valueOf(literal).split("=", 2);
        data.put(kv[0], secret ? null : kv.length > 1 ? kv[1] : "");
        if (secret && kv.length > 1 && !kv[1].isEmpty()) {
          problem(
              kustomizationFile,
              generator
                  + " "
                  + name
                  + " has a value for "
                  + kv[0]
                  + ": secrets are never committed");
        }
      }
      for (Object envs : list(spec.get("envs"))) {
        String envFile = K8S + "/" + envs;
        file = secret ? envFile + ".example" : envFile;
        if (secret) {
          if (!readLines(K8S + "/.gitignore").contains(String.valueOf(envs))) {
            problem(K8S + "/.gitignore", "does not ignore " + envs + ", which holds the secrets");
          }
        }
        if (!Files.isRegularFile(root.resolve(file))) {
          problem(file, "missing (" + generator + " " + name + ")");
          continue;
        }
        for (String line : readLines(file)) {
          if (line.isBlank() || line.trim().startsWith("#")) {
            continue;
          }
          String[] kv = line.split("=", 2);
          String value = kv.length > 1 ? kv[1].trim() : "";
          if (secret && !value.isEmpty()) {
            problem(file, kv[0] + " has a value in the template: leave it empty");
          }
          data.put(kv[0].trim(), secret ? null : value);
        }
      }
      result.put(name, new Generated(file, data, secret));
    }
    return result;
  }

  /** Checks one service's container; returns its environment (null: a value not known here). */
  private Map<String, String> checkContainer(
      Manifest m,
      Map<String, Object> pod,
      Map<String, Object> container,
      ServiceFacts f,
      Map<String, Generated> configMaps,
      Map<String, Generated> secrets,
      Set<String> usedSecretKeys) {
    String where = m.label() + ", container " + container.get("name");
    Map<String, String> env = new LinkedHashMap<>();
    for (Object from : list(container.get("envFrom"))) {
      Map<String, Object> source = map(from);
      String prefix = source.get("prefix") == null ? "" : String.valueOf(source.get("prefix"));
      boolean secret = source.containsKey("secretRef");
      String ref =
          String.valueOf(map(source.get(secret ? "secretRef" : "configMapRef")).get("name"));
      Generated g = (secret ? secrets : configMaps).get(ref);
      if (g == null) {
        problem(
            m.file, where + ": envFrom names " + ref + ", which the kustomization does not make");
        continue;
      }
      if (secret) {
        usedSecretKeys.addAll(g.data.keySet());
      }
      g.data.forEach((k, v) -> env.put(prefix + k, v));
      checkVariables(
          g.file,
          "(" + (secret ? "Secret " : "ConfigMap ") + ref + " for " + m.file + ": " + where + ")",
          g.data.keySet().stream().map(k -> prefix + k).toList(),
          f);
    }
    List<String> direct = new ArrayList<>();
    for (Object e : list(container.get("env"))) {
      Map<String, Object> var = map(e);
      String name = String.valueOf(var.get("name"));
      direct.add(name);
      Map<String, Object> valueFrom = map(var.get("valueFrom"));
      if (valueFrom.isEmpty()) {
        env.put(name, var.get("value") == null ? "" : String.valueOf(var.get("value")));
        continue;
      }
      boolean secret = valueFrom.containsKey("secretKeyRef");
      Map<String, Object> ref = map(valueFrom.get(secret ? "secretKeyRef" : "configMapKeyRef"));
      if (ref.isEmpty()) {
        env.put(name, null); // fieldRef, resourceFieldRef
        continue;
      }
      String refName = String.valueOf(ref.get("name"));
      String key = String.valueOf(ref.get("key"));
      Generated g = (secret ? secrets : configMaps).get(refName);
      if (g == null || !g.data.containsKey(key)) {
        problem(
            m.file,
            where
                + ": "
                + name
                + " comes from key "
                + key
                + " of "
                + refName
                + ", which "
                + (g == null ? "the kustomization does not make" : g.file + " does not have"));
      } else if (secret) {
        usedSecretKeys.add(key);
      }
      env.put(name, g == null ? null : g.data.get(key));
    }
    checkVariables(m.file, where + ": env", direct, f);
    checkRequired(m.file, where, env, f);
    checkPort(m.file, where + ": environment QUARKUS_HTTP_PORT", env.get("QUARKUS_HTTP_PORT"), f);

    Map<String, Integer> namedPorts = new LinkedHashMap<>();
    for (Object p : list(container.get("ports"))) {
      Map<String, Object> port = map(p);
      int number = ((Number) port.get("containerPort")).intValue();
      if (port.get("name") != null) {
        namedPorts.put(String.valueOf(port.get("name")), number);
      }
      if (number != f.httpPort) {
        problem(
            m.file,
            where
                + ": containerPort "
                + number
                + " but the "
                + f.service.module
                + " listens on "
                + f.httpPort
                + " (quarkus.http.port)");
      }
    }
    Map<String, String> probePaths =
        Map.of(
            "readinessProbe", "/q/health/ready",
            "livenessProbe", "/q/health/live",
            "startupProbe", "/q/health/started");
    for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
      Map<String, Object> httpGet = map(map(container.get(probe)).get("httpGet"));
      if (httpGet.isEmpty()) {
        if (!probe.equals("startupProbe")) {
          problem(m.file, where + ": no " + probe + " (httpGet " + probePaths.get(probe) + ")");
        }
        continue;
      }
      if (!probePaths.get(probe).equals(httpGet.get("path"))) {
        problem(
            m.file,
            where
                + ": "
                + probe
                + " asks "
                + httpGet.get("path")
                + ", not Quarkus' "
                + probePaths.get(probe));
      }
      Integer port = resolvePort(httpGet.get("port"), namedPorts);
      if (port == null || port != f.httpPort) {
        problem(
            m.file,
            where
                + ": "
                + probe
                + " targets port "
                + httpGet.get("port")
                + " but the "
                + f.service.module
                + " listens on "
                + f.httpPort);
      }
    }

    Map<String, Object> podSecurity = map(pod.get("securityContext"));
    Map<String, Object> security = map(container.get("securityContext"));
    Object uid = security.getOrDefault("runAsUser", podSecurity.get("runAsUser"));
    if (f.dockerfile.uid != null && !Objects.equals(uid, f.dockerfile.uid)) {
      problem(
          m.file,
          where
              + ": runAsUser "
              + uid
              + " but the image's user is "
              + f.dockerfile.uid
              + " ("
              + f.dockerfile.file
              + "): the artifact store is private to one user");
    }
    Set<String> mounts = new HashSet<>();
    for (Object v : list(container.get("volumeMounts"))) {
      mounts.add(String.valueOf(map(v).get("mountPath")));
    }
    if (Boolean.TRUE.equals(security.get("readOnlyRootFilesystem")) && !mounts.contains("/tmp")) {
      problem(m.file, where + ": readOnlyRootFilesystem without a volume at /tmp (java.io.tmpdir)");
    }
    String artifacts = effective("SLIPWAY_ARTIFACTS_DIRECTORY", env, f);
    if (!mounts.contains(artifacts)) {
      problem(
          m.file,
          where
              + ": no volume is mounted at the artifact store "
              + artifacts
              + " (SLIPWAY_ARTIFACTS_DIRECTORY)");
    }
    return env;
  }

  private static Integer resolvePort(Object port, Map<String, Integer> named) {
    if (port instanceof Number n) {
      return n.intValue();
    }
    return named.get(String.valueOf(port));
  }

  private static Map<String, Object> podTemplate(Manifest deployment) {
    return map(map(deployment.body.get("spec")).get("template"));
  }

  private static boolean selects(Map<String, Object> selector, Map<String, Object> labels) {
    return !selector.isEmpty()
        && selector.entrySet().stream()
            .allMatch(e -> Objects.equals(String.valueOf(e.getValue()), labels.get(e.getKey())));
  }

  private void checkServices(
      List<Manifest> manifests, Map<Service, Manifest> deployments, Map<Service, ServiceFacts> f) {
    boolean coordinatorServed = false;
    for (Manifest m : manifests) {
      if (!m.kind().equals("Service")) {
        continue;
      }
      Map<String, Object> spec = map(m.body.get("spec"));
      Map<String, Object> selector = map(spec.get("selector"));
      for (Map.Entry<Service, Manifest> d : deployments.entrySet()) {
        Map<String, Object> template = podTemplate(d.getValue());
        if (!selects(selector, map(map(template.get("metadata")).get("labels")))) {
          continue;
        }
        coordinatorServed |= d.getKey() == Service.COORDINATOR;
        Map<String, Integer> named = new LinkedHashMap<>();
        for (Object c : list(map(template.get("spec")).get("containers"))) {
          for (Object p : list(map(c).get("ports"))) {
            Map<String, Object> port = map(p);
            if (port.get("name") != null) {
              named.put(
                  String.valueOf(port.get("name")),
                  ((Number) port.get("containerPort")).intValue());
            }
          }
        }
        for (Object p : list(spec.get("ports"))) {
          Map<String, Object> port = map(p);
          Object target = port.getOrDefault("targetPort", port.get("port"));
          Integer resolved = resolvePort(target, named);
          int expected = f.get(d.getKey()).httpPort;
          if (resolved == null || resolved != expected) {
            problem(
                m.file,
                m.label()
                    + ": targetPort "
                    + target
                    + " but the "
                    + d.getKey().module
                    + " listens on "
                    + expected);
          }
        }
      }
    }
    if (!coordinatorServed) {
      problem(K8S, "no Service selects the coordinator's pods (the API)");
    }
  }

  private void checkArtifactClaims(List<Manifest> manifests, Map<Service, Manifest> deployments) {
    Map<String, Manifest> claims = new LinkedHashMap<>();
    for (Manifest m : manifests) {
      if (m.kind().equals("PersistentVolumeClaim")) {
        claims.put(m.name(), m);
      }
    }
    Set<String> used = new TreeSet<>();
    for (Manifest d : deployments.values()) {
      Map<String, Object> pod = map(podTemplate(d).get("spec"));
      for (Object v : list(pod.get("volumes"))) {
        Object claim = map(map(v).get("persistentVolumeClaim")).get("claimName");
        if (claim == null) {
          continue;
        }
        used.add(String.valueOf(claim));
        Manifest pvc = claims.get(String.valueOf(claim));
        if (pvc == null) {
          problem(d.file, d.label() + ": volume claim " + claim + " is in no manifest");
        } else if (!list(map(pvc.body.get("spec")).get("accessModes")).contains("ReadWriteMany")) {
          problem(
              pvc.file,
              pvc.label()
                  + ": accessModes "
                  + map(pvc.body.get("spec")).get("accessModes")
                  + " lack ReadWriteMany, but the coordinator and every worker mount it");
        }
      }
    }
    if (used.size() != 1) {
      problem(
          K8S,
          "the coordinator and the workers must mount one shared artifact claim, they mount "
              + used);
    }
  }

  private void checkDisruptionBudgets(
      List<Manifest> manifests, Map<Service, Manifest> deployments) {
    for (Map.Entry<Service, Manifest> d : deployments.entrySet()) {
      Map<String, Object> labels =
          map(map(podTemplate(d.getValue()).get("metadata")).get("labels"));
      boolean covered =
          manifests.stream()
              .filter(m -> m.kind().equals("PodDisruptionBudget"))
              .anyMatch(
                  m ->
                      selects(
                          map(map(map(m.body.get("spec")).get("selector")).get("matchLabels")),
                          labels));
      if (!covered) {
        problem(d.getValue().file, d.getValue().label() + ": no PodDisruptionBudget selects it");
      }
    }
  }

  private void checkScaledObjects(
      List<Manifest> manifests,
      Manifest workerDeployment,
      Map<String, String> workerEnv,
      Map<Service, ServiceFacts> facts) {
    Set<List<String>> expected = new TreeSet<>(PAIRS);
    for (Channel c : channels(facts.get(Service.WORKER))) {
      expected.add(List.of(c.topic, String.valueOf(c.group)));
    }
    boolean any = false;
    for (Manifest m : manifests) {
      if (!m.kind().equals("ScaledObject")) {
        continue;
      }
      any = true;
      Map<String, Object> spec = map(m.body.get("spec"));
      Object target = map(spec.get("scaleTargetRef")).get("name");
      if (workerDeployment == null || !workerDeployment.name().equals(target)) {
        problem(
            m.file,
            m.label()
                + ": scaleTargetRef "
                + target
                + " is not the worker Deployment "
                + (workerDeployment == null ? "(none)" : workerDeployment.name()));
      }
      Set<List<String>> triggers = new TreeSet<>(PAIRS);
      for (Object t : list(spec.get("triggers"))) {
        Map<String, Object> trigger = map(t);
        if (!"kafka".equals(trigger.get("type"))) {
          continue;
        }
        Map<String, Object> metadata = map(trigger.get("metadata"));
        List<String> pair =
            List.of(
                String.valueOf(metadata.get("topic")),
                String.valueOf(metadata.get("consumerGroup")));
        triggers.add(pair);
        if (!expected.contains(pair)) {
          problem(
              m.file,
              m.label()
                  + ": kafka trigger on topic "
                  + pair.get(0)
                  + ", group "
                  + pair.get(1)
                  + " is no consumer of the worker ("
                  + Service.WORKER.applicationProperties()
                  + ": "
                  + expected
                  + ")");
        }
        Object fromEnv = metadata.get("bootstrapServersFromEnv");
        if (fromEnv != null && workerEnv != null && !workerEnv.containsKey(fromEnv)) {
          problem(
              m.file,
              m.label() + ": bootstrapServersFromEnv " + fromEnv + " is not in the worker's env");
        } else if (fromEnv == null
            && workerEnv != null
            && !Objects.equals(
                String.valueOf(metadata.get("bootstrapServers")),
                workerEnv.get("KAFKA_BOOTSTRAP_SERVERS"))) {
          problem(
              m.file,
              m.label()
                  + ": bootstrapServers "
                  + metadata.get("bootstrapServers")
                  + " are not the worker's KAFKA_BOOTSTRAP_SERVERS "
                  + workerEnv.get("KAFKA_BOOTSTRAP_SERVERS"));
        }
      }
      Set<List<String>> missing = new TreeSet<>(PAIRS);
      missing.addAll(expected);
      missing.removeAll(triggers);
      if (!missing.isEmpty()) {
        problem(m.file, m.label() + ": no kafka trigger for [topic, group] " + missing);
      }
    }
    if (!any) {
      problem(K8S, "no KEDA ScaledObject scales the workers");
    }
  }

  // ---- Reading ----------------------------------------------------------------------------

  private void problem(String file, String message) {
    problems.add(file + ": " + message);
  }

  private List<String> readLines(String file) {
    Path path = root.resolve(file);
    if (!Files.isRegularFile(path)) {
      return List.of();
    }
    try {
      return Files.readAllLines(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Properties loadProperties(String file) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(root.resolve(file))) {
      p.load(r);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return p;
  }

  private List<Object> loadYaml(String file) {
    try (Reader r = Files.newBufferedReader(root.resolve(file))) {
      List<Object> docs = new ArrayList<>();
      yaml.loadAll(r).forEach(docs::add);
      return docs;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    if (o instanceof Map<?, ?> m) {
      return m.keySet().stream().allMatch(String.class::isInstance)
          ? (Map<String, Object>) m
          : m.entrySet().stream()
              .collect(
                  Collectors.toMap(
                      e -> String.valueOf(e.getKey()),
                      Map.Entry::getValue,
                      (a, b) -> b,
                      LinkedHashMap::new));
    }
    return Map.of();
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object o) {
    return o instanceof List<?> l ? (List<Object>) l : List.of();
  }
}
