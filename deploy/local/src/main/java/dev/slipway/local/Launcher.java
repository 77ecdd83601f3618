package dev.slipway.local;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.auth.TokenSecrets;
import dev.slipway.stack.Database;
import dev.slipway.stack.GeneratedRepository;
import dev.slipway.stack.KafkaBroker;
import dev.slipway.stack.PrivateFiles;
import dev.slipway.stack.SshTestHost;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code deploy/local/run}: the whole of Slipway on one machine with nothing but Java, then a
 * sample build. See README.md.
 */
public final class Launcher {

  static final String SAMPLE_PLAN =
      """
      steps:
        - name: buildhost
          kind: lease-host
          attributes: {platform: linux}
        - name: src
          kind: lease-working-copy
          host: buildhost
        - name: hello
          kind: run
          on: src
          command: |
            echo "hello from $(hostname)"
            uname -sr
            echo "working directory: $(pwd)"
            echo "checked out: $(git log -1 --format='%h %s')"
            ls
            mkdir -p out && git log -1 --format='built from %H' > out/hello.txt
        - name: keep
          kind: upload-artifact
          from: src
          path: out/hello.txt
          artifact: hello.txt
        - name: hand-over
          kind: download-artifact
          artifact: hello.txt
          on: src
          path: received/hello.txt
        - name: check
          kind: run
          on: src
          command: cmp out/hello.txt received/hello.txt && sha256sum received/hello.txt
      """;

  /**
   * The file in the data directory that holds the API's URL, for {@code cli/slipway} (its {@code
   * Environment.LOCAL_SERVER_FILE}).
   */
  static final String SERVER_FILE = "server";

  /** Names the file the coordinator reads its first admin token from (see docs/config.md). */
  static final String BOOTSTRAP_TOKEN_FILE_ENV = "SLIPWAY_BOOTSTRAP_TOKEN_FILE";

  private final LauncherOptions options;
  private final PrintStream out = System.out;
  private final Deque<AutoCloseable> started = new ArrayDeque<>();

  Launcher(LauncherOptions options) {
    this.options = options;
  }

  public static void main(String[] args) throws Exception {
    LauncherOptions options;
    try {
      options = LauncherOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("slipway: " + e.getMessage());
      System.err.println(LauncherOptions.USAGE);
      System.exit(2);
      return;
    }
    if (options.help()) {
      System.out.println(LauncherOptions.USAGE);
      return;
    }
    Launcher launcher = new Launcher(options);
    // Stops what was started in reverse order: the services leave their consumer groups while
    // the broker is still up, and the database outlives every process that writes to it.
    Runtime.getRuntime().addShutdownHook(new Thread(launcher::stop, "slipway-stop"));
    int status;
    try {
      status = launcher.run();
    } catch (Exception e) {
      System.err.println("slipway: " + e.getMessage());
      status = 1;
    }
    if (options.exitAfterSample() || status != 0) {
      launcher.stop();
      System.exit(status);
    }
    new CountDownLatch(1).await(); // until Ctrl-C; the shutdown hook stops everything
  }

  int run() throws Exception {
    long begin = System.nanoTime();
    LauncherPorts.check(LauncherPorts.of(options));
    Path data = PrivateFiles.directory(options.data().toAbsolutePath().normalize());
    say("data directory " + data);
    if (!options.listensOnLoopbackOnly()) {
      warnReachableFromNetwork();
    }

    say("starting Kafka broker (its own JVM, from Maven artifacts)...");
    KafkaBroker broker =
        keep(
            KafkaBroker.start(data.resolve("kafka"), options.kafkaPort(), options.kafkaPort() + 1));

    Database database;
    String jdbcUrl;
    if (options.jdbcUrl() != null) {
      say("using PostgreSQL at " + options.jdbcUrl());
      database = Database.external(options.jdbcUrl(), options.jdbcUser(), options.jdbcPassword());
      jdbcUrl = options.jdbcUrl();
    } else {
      say("starting PostgreSQL (embedded, from Maven artifacts)...");
      database = keep(Database.embedded(data.resolve("postgres"), options.postgresPort()));
      jdbcUrl = database.ensureDatabase("slipway");
    }

    say("starting the local SSH build host (Apache SSHD on loopback, as " + user() + ")...");
    SshTestHost buildHost = keep(SshTestHost.start(data.resolve("buildhost"), options.sshPort()));

    say("starting coordinator and worker (separate JVMs)...");
    Path tokenFile = data.resolve("admin.token");
    String token = PrivateFiles.secret(tokenFile, TokenSecrets::newSecret);
    SlipwayServices services =
        keep(
            SlipwayServices.start(
                options.home(),
                data.resolve("logs"),
                options.listen(),
                options.port(),
                new SlipwayServices.Wiring(
                    broker.bootstrapServers(),
                    jdbcUrl,
                    database.user(),
                    database.password(),
                    masterKey(data),
                    Map.of(
                        BOOTSTRAP_TOKEN_FILE_ENV,
                        tokenFile.toString(),
                        // the sample repository is a directory in the data directory
                        "SLIPWAY_REPOSITORIES_ALLOW_FILE",
                        "true",
                        // the coordinator and the worker share the artifact store
                        "SLIPWAY_ARTIFACTS_DIRECTORY",
                        data.resolve("artifacts").toString())),
                out));

    out.println();
    out.println("  API           " + services.apiUrl() + "/api/v1");
    out.println(
        "  Kafka         "
            + broker.bootstrapServers()
            + "   (kcat -b "
            + broker.bootstrapServers()
            + " -L)");
    out.println(
        "  PostgreSQL    "
            + jdbcUrl
            + "   user "
            + database.user()
            + (database.passwordFile() == null ? "" : ", password in " + database.passwordFile()));
    out.println("  build host    " + buildHost.user() + "@127.0.0.1:" + buildHost.port());
    out.println("  admin token   " + tokenFile + cliFinds(data, services.apiUrl()));
    out.println("  logs          " + data.resolve("logs"));
    out.println();

    SlipwayClient api = new SlipwayClient(services.apiUrl(), token);
    registerBuildHost(api, buildHost, tokenFile);
    api.savePlan("sample", SAMPLE_PLAN);
    String buildId = api.submitBuild("sample", sampleRepository(data), null, "main");
    say("submitted sample build " + buildId);
    JsonNode build = api.awaitFinished(buildId, Duration.ofMinutes(5));
    out.println(api.log(buildId).stripTrailing().indent(4));
    String status = build.get("status").asText();
    say(
        String.format(
            "sample build %s %s (%.1f s after start)",
            buildId, status.toUpperCase(), (System.nanoTime() - begin) / 1e9));
    if (!options.exitAfterSample()) {
      say("running; press Ctrl-C to stop");
    }
    return "passed".equals(status) ? 0 : 1;
  }

  /**
   * Writes the API's URL beside the admin token, where {@code cli/slipway} reads it (whatever
   * {@code --port} was), and says how the CLI finds both: by itself when this is the project's
   * {@code .slipway/}, through two variables for another data directory.
   */
  private String cliFinds(Path data, String apiUrl) throws IOException {
    Path serverFile = data.resolve(SERVER_FILE);
    Path written = Files.createTempFile(data, SERVER_FILE, ".tmp");
    Files.writeString(written, apiUrl + "\n");
    Files.move(written, serverFile, StandardCopyOption.REPLACE_EXISTING, ATOMIC_MOVE);
    Path cliData = options.home().toAbsolutePath().normalize().resolve(".slipway");
    if (Files.exists(cliData) && Files.isSameFile(cliData, data)) {
      return "   (cli/slipway finds it, and the API)";
    }
    return "   (for cli/slipway: SLIPWAY_SERVER="
        + apiUrl
        + " SLIPWAY_TOKEN_FILE="
        + data.resolve("admin.token")
        + ")";
  }

  /** A small repository for the sample build to check out, made on the first run. */
  private String sampleRepository(Path data) throws Exception {
    Path repository = data.resolve("sample-repository.git");
    if (!Files.isDirectory(repository)) {
      say("making a sample git repository at " + repository + "...");
      GeneratedRepository.create(repository, 12, 3);
    }
    return repository.toString();
  }

  private void registerBuildHost(SlipwayClient api, SshTestHost host, Path tokenFile)
      throws Exception {
    SlipwayClient.Reply hosts = api.get("api/v1/hosts");
    if (hosts.status() == 401) {
      throw new IllegalStateException(
          "the coordinator refuses the admin token in "
              + tokenFile
              + ": its database already held tokens when that file was made. Put one of its"
              + " admin tokens in that file, or delete the data directory to start over");
    }
    for (JsonNode existing : hosts.ok()) {
      if ("local".equals(existing.get("name").asText())) {
        return; // registered on an earlier run; its key and port are kept in the data directory
      }
    }
    api.registerHost(
        Map.of(
            "name", "local",
            "address", host.address(),
            "port", host.port(),
            "user", host.user(),
            "privateKey", host.clientPrivateKeyPem(),
            "hostKey", host.hostPublicKey(),
            "platform", "linux",
            "attributes", Map.of("role", "build"),
            "slots", 4));
    say("registered the local build host as 'local' (platform=linux, role=build, 4 slots)");
  }

  private static String masterKey(Path data) throws IOException {
    return PrivateFiles.secret(
        data.resolve("master.key"),
        () -> Base64.getEncoder().encodeToString(PrivateFiles.randomBytes(32)));
  }

  private void warnReachableFromNetwork() {
    String bar = "slipway: " + "!".repeat(70);
    out.println(bar);
    say("WARNING: --listen " + options.listen() + " is not a loopback address.");
    say("The coordinator's API and health port (" + options.port() + ") are reachable from the");
    say("network, in plain HTTP: every call needs a token, but tokens and logs cross the network");
    say("unencrypted (put TLS in front: docs/security.md). Kafka, PostgreSQL, the worker's");
    say("health port and the build host stay on 127.0.0.1.");
    out.println(bar);
  }

  private <T extends AutoCloseable> T keep(T service) {
    started.push(service);
    return service;
  }

  synchronized void stop() {
    while (!started.isEmpty()) {
      try {
        started.pop().close();
      } catch (Exception e) {
        System.err.println("slipway: stopping failed: " + e.getMessage());
      }
    }
  }

  private void say(String message) {
    out.println("slipway: " + message);
  }

  private static String user() {
    return System.getProperty("user.name");
  }
}
