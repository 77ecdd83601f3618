package dev.slipway.local;

import dev.slipway.stack.Ports;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The coordinator and one worker (allocator and runner roles), each in its own JVM. */
public final class SlipwayServices implements AutoCloseable {

  /** Where the services find Kafka and PostgreSQL, and the master key for credentials. */
  public record Wiring(
      String bootstrapServers,
      String jdbcUrl,
      String jdbcUser,
      String jdbcPassword,
      String masterKey) {}

  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

  private final ServiceProcess coordinator;
  private final ServiceProcess worker;
  private final int apiPort;
  private final Path home;
  private final Path logDir;
  private final Wiring wiring;
  private final PrintStream console;
  private final List<ServiceProcess> extraWorkers = new ArrayList<>();

  private SlipwayServices(
      ServiceProcess coordinator,
      ServiceProcess worker,
      int apiPort,
      Path home,
      Path logDir,
      Wiring wiring,
      PrintStream console) {
    this.coordinator = coordinator;
    this.worker = worker;
    this.apiPort = apiPort;
    this.home = home;
    this.logDir = logDir;
    this.wiring = wiring;
    this.console = console;
  }

  /**
   * Starts the coordinator on {@code apiPort} (0: a free port) and the worker side by side.
   *
   * @param home the project's root directory, which holds the packaged services
   * @param logDir where each service writes its log
   */
  public static SlipwayServices start(
      Path home, Path logDir, int apiPort, Wiring wiring, PrintStream console)
      throws IOException, InterruptedException {
    int port = apiPort == 0 ? Ports.free() : apiPort;
    int workerPort = Ports.free();
    ServiceProcess coordinator =
        new ServiceProcess(
            "coordinator",
            home.resolve("coordinator/target/quarkus-app/quarkus-run.jar"),
            environment(wiring, port),
            port,
            logDir.resolve("coordinator.log"),
            console);
    ServiceProcess worker =
        new ServiceProcess(
            "worker",
            worker(home),
            environment(wiring, workerPort),
            workerPort,
            logDir.resolve("worker.log"),
            console);
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
    return new SlipwayServices(coordinator, worker, port, home, logDir, wiring, console);
  }

  /**
   * Starts one more worker, e.g. with {@code SLIPWAY_WORKER_RUNNER_ENABLED=false} for an
   * allocator-only replica; it is stopped with the others.
   */
  public ServiceProcess addWorker(Map<String, String> extraEnvironment)
      throws IOException, InterruptedException {
    int port = Ports.free();
    Map<String, String> env = environment(wiring, port);
    env.putAll(extraEnvironment);
    ServiceProcess extra =
        new ServiceProcess(
            "worker-" + (extraWorkers.size() + 2),
            worker(home),
            env,
            port,
            logDir.resolve("worker-" + (extraWorkers.size() + 2) + ".log"),
            console);
    extraWorkers.add(extra);
    extra.start();
    extra.awaitStarted(START_TIMEOUT);
    return extra;
  }

  private static Path worker(Path home) {
    return home.resolve("worker/target/quarkus-app/quarkus-run.jar");
  }

  private static Map<String, String> environment(Wiring wiring, int httpPort) {
    Map<String, String> env = new HashMap<>();
    env.put("QUARKUS_HTTP_PORT", Integer.toString(httpPort));
    env.put("KAFKA_BOOTSTRAP_SERVERS", wiring.bootstrapServers());
    env.put("QUARKUS_DATASOURCE_JDBC_URL", wiring.jdbcUrl());
    env.put("QUARKUS_DATASOURCE_USERNAME", wiring.jdbcUser());
    env.put("QUARKUS_DATASOURCE_PASSWORD", wiring.jdbcPassword());
    env.put("SLIPWAY_SECRETS_MASTER_KEY", wiring.masterKey());
    return env;
  }

  public String apiUrl() {
    return "http://127.0.0.1:" + apiPort;
  }

  public ServiceProcess coordinator() {
    return coordinator;
  }

  public ServiceProcess worker() {
    return worker;
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
