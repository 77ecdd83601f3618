package dev.slipway.crash;

import dev.slipway.common.auth.TokenSecrets;
import dev.slipway.local.ServiceProcess;
import dev.slipway.local.SlipwayClient;
import dev.slipway.local.SlipwayServices;
import dev.slipway.stack.Database;
import dev.slipway.stack.DatabaseOutage;
import dev.slipway.stack.KafkaBroker;
import dev.slipway.stack.OpenSshHost;
import dev.slipway.stack.SshTestHost;
import dev.slipway.stack.TestSshHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The crash suite's own stack, started once per test JVM and shared by no other module: a Kafka
 * broker of its own (so that it can be killed and restarted on its ports), a fresh database on the
 * shared PostgreSQL, the packaged coordinator and two workers (allocator and runner roles) in their
 * own JVMs, each restarted by its supervisor when it dies, and SSH build hosts: one in process
 * (Apache SSHD) and, where {@code /usr/sbin/sshd} is installed, one Debian OpenSSH server.
 */
final class CrashStack {

  /** A build host: its SSH server and the directory its relative paths start from. */
  record Host(String name, TestSshHost ssh, Path home) {}

  private static CrashStack instance;

  final Path work;
  final Database database;
  final String jdbcUrl;
  final SlipwayServices services;
  final List<ServiceProcess> workers = new ArrayList<>();
  final SlipwayClient api;
  final List<Host> hosts = new ArrayList<>();
  private volatile KafkaBroker broker;

  private CrashStack() throws Exception {
    work = Files.createTempDirectory("slipway-crash");
    broker = KafkaBroker.start(work.resolve("kafka"));
    database = Database.shared();
    jdbcUrl = database.createDatabase("slipway_crash");
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    String adminToken = TokenSecrets.newSecret();
    services =
        SlipwayServices.start(
            snapshotOfServices(Path.of(System.getProperty("slipway.home", "../.."))),
            work.resolve("logs"),
            0,
            new SlipwayServices.Wiring(
                broker.bootstrapServers(),
                jdbcUrl,
                database.user(),
                database.password(),
                Base64.getEncoder().encodeToString(key),
                Map.of(
                    "SLIPWAY_BOOTSTRAP_TOKEN",
                    adminToken,
                    // the suite's repository is a directory on this machine
                    "SLIPWAY_REPOSITORIES_ALLOW_FILE",
                    "true",
                    "SLIPWAY_ARTIFACTS_DIRECTORY",
                    work.resolve("artifacts").toString())),
            System.out);
    workers.add(services.worker());
    workers.add(services.addWorker(Map.of()));
    api = new SlipwayClient(services.apiUrl(), adminToken);
    Path sshdHome = Files.createDirectories(work.resolve("sshd-host"));
    hosts.add(new Host("sshd", SshTestHost.start(sshdHome), sshdHome));
    if (OpenSshHost.available()) {
      // OpenSSH starts commands in the user's home directory
      Path openSshWork = Files.createDirectories(work.resolve("openssh-host"));
      hosts.add(
          new Host(
              "openssh", OpenSshHost.start(openSshWork), Path.of(System.getProperty("user.home"))));
    } else {
      System.out.println("crash suite: " + OpenSshHost.UNAVAILABLE + "; in-process host only");
    }
    Runtime.getRuntime().addShutdownHook(new Thread(this::close, "crash-stack-stop"));
  }

  /**
   * A copy of the packaged coordinator and worker, so that a service the suite kills is restarted
   * from the same application even if the project is rebuilt meanwhile; returns its root.
   */
  private Path snapshotOfServices(Path home) throws IOException {
    Path copy = work.resolve("home");
    for (String service : List.of("coordinator", "worker")) {
      Path from = home.resolve(service).resolve("target/quarkus-app");
      Path to = copy.resolve(service).resolve("target/quarkus-app");
      try (Stream<Path> files = Files.walk(from)) {
        for (Path file : (Iterable<Path>) files::iterator) {
          Path target = to.resolve(from.relativize(file).toString());
          if (Files.isDirectory(file)) {
            Files.createDirectories(target);
          } else {
            Files.copy(file, target);
          }
        }
      }
    }
    byte[] coordinatorPlatform = Files.readAllBytes(platformJar(copy, "coordinator"));
    if (!java.util.Arrays.equals(
        coordinatorPlatform, Files.readAllBytes(platformJar(copy, "worker")))) {
      throw new IOException(
          "the coordinator and the worker were packaged from different versions of platform/"
              + " (their database migrations may differ): package both again");
    }
    return copy;
  }

  private static Path platformJar(Path home, String service) throws IOException {
    Path lib = home.resolve(service).resolve("target/quarkus-app/lib/main");
    try (Stream<Path> jars = Files.list(lib)) {
      return jars.filter(j -> j.getFileName().toString().startsWith("dev.slipway.slipway-platform"))
          .findFirst()
          .orElseThrow(() -> new IOException("no slipway-platform jar in " + lib));
    }
  }

  static synchronized CrashStack get() throws Exception {
    if (instance == null) {
      instance = new CrashStack();
    }
    return instance;
  }

  KafkaBroker broker() {
    return broker;
  }

  /** Kills the broker (SIGKILL) and returns; {@link #restartBroker} brings it back. */
  void killBroker() throws IOException {
    broker.kill();
  }

  void restartBroker() throws IOException {
    broker = broker.restart();
  }

  DatabaseOutage outage() {
    return DatabaseOutage.of(jdbcUrl, database.user(), database.password());
  }

  Connection sql() throws SQLException {
    return DriverManager.getConnection(jdbcUrl, database.user(), database.password());
  }

  static String newPool() {
    return "crash" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** Registers {@code host} as a linux host with {@code attributes}; returns its id. */
  String register(Host host, String name, Map<String, String> attributes, int slots)
      throws Exception {
    Map<String, Object> body = new HashMap<>();
    body.put("name", name);
    body.put("address", host.ssh().address());
    body.put("port", host.ssh().port());
    body.put("user", host.ssh().user());
    body.put("privateKey", host.ssh().clientPrivateKeyPem());
    body.put("platform", "linux");
    body.put("attributes", attributes);
    body.put("slots", slots);
    return api.registerHost(body);
  }

  private void close() {
    services.close();
    for (Host host : hosts) {
      try {
        host.ssh().close();
      } catch (Exception ignored) {
        // stopping anyway
      }
    }
    broker.close();
  }
}
