package dev.slipway.local;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One Slipway service (the coordinator or a worker) in its own JVM, started from its packaged
 * Quarkus application, as it would run in a container. A supervisor thread restarts it when it dies
 * and says so.
 */
public final class ServiceProcess implements AutoCloseable {

  private final String name;
  private final Path application;
  private final Map<String, String> environment;
  private final URI ready;
  private final Path logFile;
  private final PrintStream console;
  private volatile Process process;
  private volatile boolean stopping;
  private volatile int restarts;
  private volatile boolean answering;
  private Thread supervisor;

  /**
   * @param application the service's {@code quarkus-run.jar}
   * @param environment its configuration, as environment variables
   * @param ready its readiness URL ({@code http://host:port/q/health/ready})
   * @param logFile where its output goes
   * @param console where restarts are announced
   */
  /** The system property that sets the services' JVM options (split at spaces). */
  public static final String JVM_OPTIONS_PROPERTY = "slipway.services.jvm-options";

  /**
   * The services' JVM options by default: a small heap and the C1 compiler only, for a quick
   * start-up of a local stack. Benchmarks print what they ran with; steady-state figures want the
   * JVM's default compilers ({@code -Dslipway.services.jvm-options=-Xmx384m}).
   */
  public static final String DEFAULT_JVM_OPTIONS = "-Xmx384m -XX:TieredStopAtLevel=1";

  /** The JVM options each service is started with. */
  public static List<String> jvmOptions() {
    String options = System.getProperty(JVM_OPTIONS_PROPERTY, DEFAULT_JVM_OPTIONS).strip();
    return options.isEmpty() ? List.of() : List.of(options.split("\\s+"));
  }

  public ServiceProcess(
      String name,
      Path application,
      Map<String, String> environment,
      URI ready,
      Path logFile,
      PrintStream console) {
    this.name = name;
    this.application = application;
    this.environment = Map.copyOf(environment);
    this.ready = ready;
    this.logFile = logFile;
    this.console = console;
  }

  /** Starts the service's JVM; {@link #awaitStarted} waits for it. */
  public void start() throws IOException {
    if (!Files.isRegularFile(application)) {
      throw new IOException(name + ": " + application + " does not exist; build the project first");
    }
    launch();
  }

  /** Waits until the service reports ready, then watches it and restarts it when it dies. */
  public void awaitStarted(Duration timeout) throws IOException, InterruptedException {
    awaitReady(timeout);
    supervisor = new Thread(this::supervise, name + "-supervisor");
    supervisor.setDaemon(true);
    supervisor.start();
  }

  private void launch() throws IOException {
    Files.createDirectories(logFile.getParent());
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions());
    command.add("-jar");
    command.add(application.toString());
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    builder.environment().putAll(environment);
    process = builder.start();
  }

  private void awaitReady(Duration timeout) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest request = HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).build();
    Instant deadline = Instant.now().plus(timeout);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IOException(
            name + " exited with " + process.exitValue() + " while starting; see " + logFile);
      }
      try {
        if (http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          answering = true;
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200); // poll interval while a JVM starts
    }
    throw new IOException(name + " not ready after " + timeout + "; see " + logFile);
  }

  private void supervise() {
    while (!stopping) {
      try {
        int exit = process.waitFor();
        answering = false;
        if (stopping) {
          return;
        }
        restarts++;
        console.printf("slipway: %s exited with %d; restarting it (see %s)%n", name, exit, logFile);
        launch();
        awaitReady(Duration.ofSeconds(120));
        console.printf("slipway: %s is back%n", name);
      } catch (InterruptedException e) {
        return;
      } catch (IOException e) {
        console.printf("slipway: %s could not be restarted: %s%n", name, e.getMessage());
      }
    }
  }

  /** The running JVM (tests kill it to check that the supervisor brings it back). */
  public Process process() {
    return process;
  }

  /**
   * Whether the running JVM has answered its readiness check: false from the moment it dies until
   * its restarted successor is ready.
   */
  public boolean isReady() {
    return answering && process.isAlive();
  }

  /**
   * Where the service's HTTP server answers, e.g. {@code http://127.0.0.1:8081/}: its {@code
   * /q/health} and {@code /q/metrics} are relative to it.
   */
  public URI httpRoot() {
    return ready.resolve("/");
  }

  public int restarts() {
    return restarts;
  }

  public Path logFile() {
    return logFile;
  }

  /** Asks the service to stop (SIGTERM) without waiting; {@link #close} waits. */
  public void stop() {
    stopping = true;
    if (supervisor != null) {
      supervisor.interrupt();
    }
    Process p = process;
    if (p != null) {
      p.destroy();
    }
  }

  /** Stops the service and waits up to 15 s for it to exit before killing it. */
  @Override
  public void close() {
    stop();
    Process p = process;
    if (p == null) {
      return;
    }
    try {
      if (!p.waitFor(15, java.util.concurrent.TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
