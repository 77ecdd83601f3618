package dev.slipway.local;

import dev.slipway.stack.Ports;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
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

  private SlipwayServices(ServiceProcess coordinator, ServiceProcess worker, int apiPort) {
    this.coordinator = coordinator;
    this.worker = worker;
    this.apiPort = apiPort;
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
            home.resolve("worker/target/quarkus-app/quarkus-run.jar"),
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
    return new SlipwayServices(coordinator, worker, port);
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
    worker.stop();
    coordinator.stop();
    worker.close();
    coordinator.close();
  }
}
