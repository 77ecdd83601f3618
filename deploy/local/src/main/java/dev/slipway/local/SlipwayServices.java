package dev.slipway.local;

import dev.slipway.stack.Ports;
import java.io.IOException;
import java.io.PrintStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The coordinator and one worker (allocator and runner roles), each in its own JVM. */
public final class SlipwayServices implements AutoCloseable {

  /**
   * Where the services find Kafka and PostgreSQL, the master key for credentials, and any further
   * environment both services get (e.g. {@code SLIPWAY_BOOTSTRAP_TOKEN}).
   */
  public record Wiring(
      String bootstrapServers,
      String jdbcUrl,
      String jdbcUser,
      String jdbcPassword,
      String masterKey,
      Map<String, String> environment) {}

  /** Where the worker's health port listens, and the coordinator's API unless told otherwise. */
  public static final String LOOPBACK = "127.0.0.1";

  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  private static final String READY = "/q/health/ready";

  private final ServiceProcess coordinator;
  private final ServiceProcess worker;
  private final String apiUrl;
  private final Path home;
  private final Path logDir;
  private final Wiring wiring;
  private final PrintStream console;
  private final List<ServiceProcess> extraWorkers = new ArrayList<>();

  private SlipwayServices(
      ServiceProcess coordinator,
      ServiceProcess worker,
      String apiUrl,
      Path home,
      Path logDir,
      Wiring wiring,
      PrintStream console) {
    this.coordinator = coordinator;
    this.worker = worker;
    this.apiUrl = apiUrl;
    this.home = home;
    this.logDir = logDir;
    this.wiring = wiring;
    this.console = console;
  }

  /** Starts the coordinator on 127.0.0.1:{@code apiPort} (0: a free port) and the worker. */
  public static SlipwayServices start(
      Path home, Path logDir, int apiPort, Wiring wiring, PrintStream console)
      throws IOException, InterruptedException {
    return start(home, logDir, LOOPBACK, apiPort, wiring, console);
  }

  /**
   * Starts the coordinator on {@code apiHost:apiPort} (0: a free port) and the worker side by side;
   * the worker's health port listens on 127.0.0.1 only.
   *
   * @param home the project's root directory, which holds the packaged services
   * @param logDir where each service writes its log
   * @param apiHost the address the coordinator's HTTP server (API and health) binds: 127.0.0.1,
   *     0.0.0.0 for every interface, or the address of one interface
   */
  public static SlipwayServices start(
      Path home, Path logDir, String apiHost, int apiPort, Wiring wiring, PrintStream console)
      throws IOException, InterruptedException {
    int port = apiPort == 0 ? Ports.free() : apiPort;
    String apiUrl = "http://" + reachable(apiHost) + ":" + port;
    ServiceProcess coordinator =
        new ServiceProcess(
            "coordinator",
            home.resolve("coordinator/target/quarkus-app/quarkus-run.jar"),
            environment(wiring, apiHost, port),
            URI.create(apiUrl + READY),
            logDir.resolve("coordinator.log"),
            console);
    ServiceProcess worker = worker("worker", home, logDir, wiring, Map.of(), console);
    try {
      coordinator.start();
      worker.start();
      coordinator.awaitStarted(START_TIMEOUT);
      worker.awaitStarted(START_TIMEOUT);
    } catch (IOException | InterruptedException | RuntimeException e) {
      worker.close();
      coordinator.close();
      throw e;
    }
    return new SlipwayServices(coordinator, worker, apiUrl, home, logDir, wiring, console);
  }

  /**
   * Starts one more worker, e.g. with {@code SLIPWAY_WORKER_RUNNER_ENABLED=false} for an
   * allocator-only replica; it is stopped with the others.
   */
  public ServiceProcess addWorker(Map<String, String> extraEnvironment)
      throws IOException, InterruptedException {
    ServiceProcess extra =
        worker(
            "worker-" + (extraWorkers.size() + 2), home, logDir, wiring, extraEnvironment, console);
    extraWorkers.add(extra);
    extra.start();
    extra.awaitStarted(START_TIMEOUT);
    return extra;
  }

  /** A worker whose health port is a free port of 127.0.0.1. */
  private static ServiceProcess worker(
      String name,
      Path home,
      Path logDir,
      Wiring wiring,
      Map<String, String> extraEnvironment,
      PrintStream console) {
    int port = Ports.free();
    Map<String, String> env = environment(wiring, LOOPBACK, port);
    env.putAll(extraEnvironment);
    return new ServiceProcess(
        name,
        home.resolve("worker/target/quarkus-app/quarkus-run.jar"),
        env,
        URI.create("http://" + LOOPBACK + ":" + port + READY),
        logDir.resolve(name + ".log"),
        console);
  }

  private static Map<String, String> environment(Wiring wiring, String httpHost, int httpPort) {
    Map<String, String> env = new HashMap<>();
    env.put("KAFKA_BOOTSTRAP_SERVERS", wiring.bootstrapServers());
    env.put("QUARKUS_DATASOURCE_JDBC_URL", wiring.jdbcUrl());
    env.put("QUARKUS_DATASOURCE_USERNAME", wiring.jdbcUser());
    env.put("QUARKUS_DATASOURCE_PASSWORD", wiring.jdbcPassword());
    env.put("SLIPWAY_SECRETS_MASTER_KEY", wiring.masterKey());
    env.putAll(wiring.environment());
    env.put("QUARKUS_HTTP_HOST", httpHost);
    env.put("QUARKUS_HTTP_PORT", Integer.toString(httpPort));
    return env;
  }

  /**
   * How a client on this machine reaches a server bound to {@code host}: through loopback when it
   * is bound to every interface (0.0.0.0, ::), else at that address.
   */
  static String reachable(String host) throws UnknownHostException {
    InetAddress address = InetAddress.getByName(host);
    if (address.isAnyLocalAddress()) {
      return LOOPBACK;
    }
    String literal = address.getHostAddress();
    return address instanceof Inet6Address ? "[" + literal + "]" : literal;
  }

  /** The coordinator's API, e.g. {@code http://127.0.0.1:8080}. */
  public String apiUrl() {
    return apiUrl;
  }

  public ServiceProcess coordinator() {
    return coordinator;
  }

  public ServiceProcess worker() {
    return worker;
  }

  /** Every worker running: the first, then those {@link #addWorker added}. */
  public List<ServiceProcess> workers() {
    List<ServiceProcess> all = new ArrayList<>();
    all.add(worker);
    all.addAll(extraWorkers);
    return all;
  }

  @Override
  public void close() {
    extraWorkers.forEach(ServiceProcess::stop);
    worker.stop();
    coordinator.stop();
    extraWorkers.forEach(ServiceProcess::close);
    worker.close();
    coordinator.close();
  }
}
