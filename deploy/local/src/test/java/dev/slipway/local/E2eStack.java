package dev.slipway.local;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.slipway.common.auth.TokenSecrets;
import dev.slipway.stack.Database;
import dev.slipway.stack.KafkaBroker;
import dev.slipway.stack.SshTestHost;
import dev.slipway.stack.TestSshHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The real system for end-to-end tests, started once per test JVM: the shared Kafka broker, a fresh
 * database, the packaged coordinator and worker in their own JVMs, and in-process SSH hosts.
 */
final class E2eStack {

  private static E2eStack instance;
  private static Map<String, String> instanceExtra = Map.of();

  final KafkaBroker broker;
  final String jdbcUrl;
  final Database database;
  final SlipwayServices services;
  final SlipwayClient api;

  /** The admin token the coordinator was bootstrapped with ({@code SLIPWAY_BOOTSTRAP_TOKEN}). */
  final String adminToken;

  final Path work;

  private E2eStack(Map<String, String> extraEnvironment) throws Exception {
    work = Files.createTempDirectory("slipway-e2e");
    broker = KafkaBroker.shared();
    database = Database.shared();
    jdbcUrl = database.createDatabase("slipway_e2e");
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    adminToken = TokenSecrets.newSecret();
    services =
        SlipwayServices.start(
            Path.of(System.getProperty("slipway.home", "../..")),
            work.resolve("logs"),
            0,
            new SlipwayServices.Wiring(
                broker.bootstrapServers(),
                jdbcUrl,
                database.user(),
                database.password(),
                Base64.getEncoder().encodeToString(key),
                environment(extraEnvironment)),
            System.out);
    api = new SlipwayClient(services.apiUrl(), adminToken);
    Runtime.getRuntime().addShutdownHook(new Thread(services::close));
  }

  /** The services' environment: the tests' settings below, then {@code extra} over them. */
  private Map<String, String> environment(Map<String, String> extra) {
    Map<String, String> environment =
        new HashMap<>(
            Map.of(
                "SLIPWAY_BOOTSTRAP_TOKEN",
                adminToken,
                // the tests' repositories are directories on this machine
                "SLIPWAY_REPOSITORIES_ALLOW_FILE",
                "true",
                // the coordinator and the worker share the artifact store
                "SLIPWAY_ARTIFACTS_DIRECTORY",
                work.resolve("artifacts").toString(),
                // dynamic hosts: a dead worker's claims go stale after 3 s instead of 15 s,
                // and the reaper (warm pools, idle hosts) and destroy retries come every
                // second or two instead of every 10 s and 30 s
                "SLIPWAY_PROVISIONING_HEARTBEAT_INTERVAL",
                "1s",
                "SLIPWAY_PROVISIONING_REAP_INTERVAL",
                "1s",
                "SLIPWAY_PROVISIONING_DESTROY_RETRY",
                "2s",
                // the coordinator's database gauges are read every second, not every 15 s
                "SLIPWAY_METRICS_REFRESH_INTERVAL",
                "1s"));
    environment.putAll(extra);
    return environment;
  }

  static synchronized E2eStack get() throws Exception {
    return get(Map.of());
  }

  /**
   * The stack, started with {@code extraEnvironment} over the tests' settings if it is not running
   * yet (e.g. a benchmark's larger log cap); refused if it runs with other extra settings.
   */
  static synchronized E2eStack get(Map<String, String> extraEnvironment) throws Exception {
    if (instance == null) {
      instance = new E2eStack(extraEnvironment);
      instanceExtra = Map.copyOf(extraEnvironment);
    } else if (!instanceExtra.equals(extraEnvironment)) {
      throw new IllegalStateException(
          "the stack runs with " + instanceExtra + ", not " + extraEnvironment);
    }
    return instance;
  }

  /** An in-process SSH host and its work directory: its commands' current and home directory. */
  record HostWithHome(SshTestHost ssh, Path home) {}

  /** A new in-process SSH host, stopped at JVM exit. */
  SshTestHost sshHost() throws IOException {
    return sshHostWithHome().ssh();
  }

  /** A new in-process SSH host, stopped at JVM exit, and the directory its commands run in. */
  HostWithHome sshHostWithHome() throws IOException {
    Path home = Files.createTempDirectory(work, "host");
    SshTestHost host = SshTestHost.start(home);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    host.close();
                  } catch (IOException ignored) {
                    // stopping anyway
                  }
                }));
    return new HostWithHome(host, home);
  }

  /**
   * Registers {@code host} under a unique attribute {@code pool=<id>}, so that a test's builds
   * lease only its own hosts; returns the pool id.
   */
  String register(SshTestHost host, int slots, String privateKey) throws Exception {
    String pool = newPool();
    registerHost(host, privateKey, "host-" + pool, "linux", Map.of("pool", pool), slots);
    return pool;
  }

  static String newPool() {
    return "p" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** Registers a host; returns its id. */
  String registerHost(
      SshTestHost host,
      String privateKey,
      String name,
      String platform,
      Map<String, String> attributes,
      int slots)
      throws Exception {
    return api.registerHost(hostBody(host, privateKey, name, platform, attributes, slots));
  }

  /**
   * Registers {@code host} (linux, {@code slots} slots) under a static-host blueprint of its own
   * that keeps at most {@code maxCopies} working copies per host; returns the host's id.
   */
  String registerWithCopyBudget(
      SshTestHost host, String name, Map<String, String> attributes, int slots, int maxCopies)
      throws Exception {
    String blueprint = "budget-" + name;
    api.post(
            "api/v1/blueprints",
            Map.of(
                "name",
                blueprint,
                "kind",
                "static-host",
                "config",
                Map.of("workingCopies", Map.of("maxCopies", maxCopies))))
        .ok();
    Map<String, Object> body =
        hostBody(host, host.clientPrivateKeyPem(), name, "linux", attributes, slots);
    body.put("blueprint", blueprint);
    return api.registerHost(body);
  }

  /** The body of {@code POST /api/v1/hosts} that registers {@code host}, for tests to add to. */
  Map<String, Object> hostBody(
      TestSshHost host,
      String privateKey,
      String name,
      String platform,
      Map<String, String> attributes,
      int slots) {
    Map<String, Object> body = new HashMap<>();
    body.put("name", name);
    body.put("address", host.address());
    body.put("port", host.port());
    body.put("user", host.user());
    body.put("privateKey", privateKey);
    body.put("platform", platform);
    body.put("attributes", attributes);
    body.put("slots", slots);
    return body;
  }

  String register(SshTestHost host, int slots) throws Exception {
    return register(host, slots, host.clientPrivateKeyPem());
  }

  /** Saves a one-host, one-command plan for hosts of {@code pool}; returns the plan name. */
  String plan(String pool, String command) throws Exception {
    return runPlan(pool, "command: " + yamlString(command) + "\n");
  }

  /**
   * Saves a plan that leases a host of {@code pool} ({@code buildhost}) and runs step {@code main}
   * on it with {@code runFields} (YAML lines: {@code command}, {@code env}, ...); returns its name.
   */
  String runPlan(String pool, String runFields) throws Exception {
    return savePlan(
        """
        steps:
          - name: buildhost
            kind: lease-host
            attributes: {pool: %s}
          - name: main
            kind: run
            on: buildhost
        %s"""
            .formatted(pool, runFields.indent(4)));
  }

  /** Saves {@code yaml} as a plan of a new name; returns the name. */
  String savePlan(String yaml) throws Exception {
    String name = "plan-" + UUID.randomUUID().toString().substring(0, 8);
    api.savePlan(name, yaml);
    return name;
  }

  static String yamlString(String text) {
    return "'" + text.replace("'", "''") + "'";
  }

  Connection sql() throws SQLException {
    return DriverManager.getConnection(jdbcUrl, database.user(), database.password());
  }

  /** The first column of every row that {@code query} with one text parameter selects. */
  List<String> sqlColumn(String query, String parameter) throws SQLException {
    try (Connection c = sql();
        PreparedStatement q = c.prepareStatement(query)) {
      q.setString(1, parameter);
      List<String> values = new ArrayList<>();
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          values.add(rs.getString(1));
        }
      }
      return values;
    }
  }

  /** Every lease the build took ends released, and none is left pending. */
  void assertLeasesReleased(String build) throws Exception {
    assertLeasesReleased(build, 1);
  }

  /** The build took {@code expected} leases, and every one ends released. */
  void assertLeasesReleased(String build, int expected) throws Exception {
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              try (Connection c = sql();
                  PreparedStatement q =
                      c.prepareStatement("select status from leases where owner = ?")) {
                q.setString(1, build);
                try (ResultSet rs = q.executeQuery()) {
                  int leases = 0;
                  while (rs.next()) {
                    leases++;
                    assertEquals("released", rs.getString(1), "lease of " + build);
                  }
                  assertEquals(expected, leases, "leases of " + build);
                }
              }
            });
  }

  /**
   * How many processes of this machine (the build hosts) have {@code text} in their command line.
   */
  static long processesWith(String text) {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().map(c -> c.contains(text)).orElse(false))
        .count();
  }
}
