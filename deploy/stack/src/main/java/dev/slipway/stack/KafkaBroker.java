package dev.slipway.stack;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.CommonClientConfigs;

/**
 * A real Apache Kafka broker (KRaft, single node, plaintext on 127.0.0.1, or SASL/PLAIN with {@link
 * #startWithSasl}) running in its own JVM from the classpath that {@code deploy/kafka-broker}
 * wrote. Its data directory holds {@code server.properties}, {@code log4j2.properties}, the logs
 * ({@code logs/}), {@code broker.log} and the process output {@code broker.out} and {@code
 * broker.pid}. A formatted data directory is reused as it is, so a broker started again on the same
 * directory keeps its topics; a broker that an earlier JVM left running on it (killed without its
 * shutdown hooks) is stopped first.
 */
public final class KafkaBroker implements AutoCloseable {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
  private static final int LOG_TAIL_LINES = 40;

  private static KafkaBroker shared;

  private final KafkaBrokerFiles files;
  private final int port;
  private final int controllerPort;
  private final KafkaSaslUser saslUser;
  private final Process process;
  private final boolean isShared;
  private final AtomicBoolean stopped = new AtomicBoolean();
  private final Thread shutdownHook;

  private KafkaBroker(
      KafkaBrokerFiles files,
      int port,
      int controllerPort,
      KafkaSaslUser saslUser,
      Process process,
      boolean isShared) {
    this.files = files;
    this.port = port;
    this.controllerPort = controllerPort;
    this.saslUser = saslUser;
    this.process = process;
    this.isShared = isShared;
    // The shared broker stops itself at exit; an owned one is stopped by its owner, in order.
    this.shutdownHook =
        isShared ? StackFiles.onShutdown("slipway-kafka-broker-stop", this::stopAtExit) : null;
  }

  /** Starts a broker on two free loopback ports (client and controller) with data in dataDir. */
  public static KafkaBroker start(Path dataDir) throws IOException {
    return startOnFreePorts(dataDir, null, false);
  }

  /**
   * Starts a broker on two free loopback ports whose client listener is SASL_PLAINTEXT and takes
   * only {@code user} (mechanism PLAIN); its controller listener stays PLAINTEXT on loopback.
   * Clients connect with {@link #clientConfig()}.
   */
  public static KafkaBroker startWithSasl(Path dataDir, KafkaSaslUser user) throws IOException {
    return startOnFreePorts(dataDir, Objects.requireNonNull(user), false);
  }

  /**
   * Starts a broker listening for clients on 127.0.0.1:port and for its controller on
   * 127.0.0.1:controllerPort; returns once it accepts connections (at most 60 s).
   */
  public static KafkaBroker start(Path dataDir, int port, int controllerPort) throws IOException {
    return start(dataDir, port, controllerPort, null, false);
  }

  /**
   * The broker of this JVM's tests, started on first use in a temporary directory and stopped (and
   * the directory deleted) when the JVM exits. Its {@link #close()} does nothing.
   */
  public static synchronized KafkaBroker shared() {
    if (shared == null || !shared.process.isAlive()) {
      try {
        Path dir = Files.createTempDirectory("slipway-kafka-");
        shared = startOnFreePorts(dir, null, true);
      } catch (IOException e) {
        throw new IllegalStateException("could not start the shared Kafka broker", e);
      }
    }
    return shared;
  }

  private static KafkaBroker startOnFreePorts(
      Path dataDir, KafkaSaslUser saslUser, boolean isShared) throws IOException {
    int port = Ports.free();
    int controllerPort = Ports.free();
    while (controllerPort == port) {
      controllerPort = Ports.free();
    }
    return start(dataDir, port, controllerPort, saslUser, isShared);
  }

  private static KafkaBroker start(
      Path dataDir, int port, int controllerPort, KafkaSaslUser saslUser, boolean isShared)
      throws IOException {
    if (port == controllerPort) {
      throw new IllegalArgumentException("broker and controller need two ports, got " + port);
    }
    KafkaBrokerFiles files = new KafkaBrokerFiles(dataDir);
    String classpath = KafkaClasspath.load();
    StackFiles.stopStale(files.pidFile, files.serverProperties.toString(), STOP_TIMEOUT);
    files.write(port, controllerPort, saslUser);
    if (!files.isFormatted()) {
      KafkaProcesses.format(files, classpath, START_TIMEOUT);
    }
    ProcessBuilder builder =
        new ProcessBuilder(
                KafkaProcesses.java(files, classpath, "kafka.Kafka", files.serverProperties))
            .directory(files.dataDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(files.stdout.toFile());
    KafkaBroker broker =
        new KafkaBroker(files, port, controllerPort, saslUser, builder.start(), isShared);
    Files.writeString(files.pidFile, broker.process.pid() + "\n");
    try {
      broker.awaitStarted();
    } catch (IOException | RuntimeException e) {
      broker.stop();
      throw e;
    }
    return broker;
  }

  /** The bootstrap servers for clients: {@code 127.0.0.1:<port>}. */
  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  /**
   * What a client needs to connect: {@code bootstrap.servers}, and for a SASL broker the security
   * settings that log in as its user.
   */
  public Map<String, Object> clientConfig() {
    Map<String, Object> config = new HashMap<>();
    config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    if (saslUser != null) {
      config.putAll(saslUser.clientConfig());
    }
    return config;
  }

  /** The broker's client port on 127.0.0.1. */
  public int port() {
    return port;
  }

  /** The port of the broker's controller listener on 127.0.0.1. */
  public int controllerPort() {
    return controllerPort;
  }

  /**
   * Kills the broker's JVM (SIGKILL, as in a crash: no clean shutdown) and waits until it is gone.
   * {@link #restart} starts it again.
   */
  public void kill() throws InterruptedIOException {
    if (isShared) {
      throw new IllegalStateException("the shared broker cannot be killed; start one of your own");
    }
    stopped.set(true);
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while killing the Kafka broker");
    }
  }

  /**
   * Starts this broker again after {@link #kill} (or a crash): a new JVM on the same data directory
   * (so it keeps its topics, their data and the consumer groups' offsets), the same client and
   * controller ports and the same SASL user; returns once it accepts connections. This object's
   * {@link #process()} stays the dead one: use the returned broker from then on.
   */
  public KafkaBroker restart() throws IOException {
    if (process.isAlive()) {
      throw new IllegalStateException("the Kafka broker is still running; kill it first");
    }
    stopped.set(true);
    return start(files.dataDir, port, controllerPort, saslUser, false);
  }

  /** The broker's data directory. */
  public Path dataDir() {
    return files.dataDir;
  }

  /** The broker's JVM process. */
  public Process process() {
    return process;
  }

  /**
   * Stops the broker: SIGTERM, then up to 10 s for a clean shutdown, then SIGKILL. Does nothing on
   * the {@link #shared()} broker, which lives until the JVM exits.
   */
  @Override
  public void close() {
    if (!isShared) {
      stop();
    }
  }

  private void stopAtExit() {
    stop();
    if (isShared) {
      StackFiles.deleteQuietly(files.dataDir);
    }
  }

  private void stop() {
    if (!stopped.compareAndSet(false, true)) {
      return;
    }
    StackFiles.removeShutdownHook(shutdownHook);
    StackFiles.stop(process.toHandle(), STOP_TIMEOUT);
  }

  private void awaitStarted() throws IOException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new IOException(
            "Kafka broker exited with status "
                + process.exitValue()
                + " before it started"
                + logs());
      }
      if (StackFiles.contains(files.stdout, KafkaBrokerFiles.STARTED_LINE)
          && Ports.accepting(port)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("Kafka broker did not start within " + START_TIMEOUT + logs());
      }
      sleep(100);
    }
  }

  private String logs() {
    return "\n--- "
        + files.stdout
        + "\n"
        + StackFiles.tail(files.stdout, LOG_TAIL_LINES)
        + "\n--- "
        + files.brokerLog
        + "\n"
        + StackFiles.tail(files.brokerLog, LOG_TAIL_LINES);
  }

  private static void sleep(long millis) throws InterruptedIOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the Kafka broker");
    }
  }
}
