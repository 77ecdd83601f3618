package dev.slipway.local;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The {@code slipway} command line as a user runs it: its own JVM (from the test classpath) against
 * the e2e stack's coordinator, with a home of its own (no saved login) and, unless told otherwise,
 * the stack's admin token in {@code SLIPWAY_TOKEN}. {@link #close} kills what is still running.
 */
final class Cli implements AutoCloseable {

  /** A finished run: its exit code and its output (stdout and stderr merged). */
  record Finished(int code, String output) {}

  /**
   * A CLI process whose stdout and stderr go, merged, to a file: {@link Process#destroy()} closes
   * the pipes to a child, so output written after the signal (the release) would be lost in one.
   */
  record Running(Process process, Path log) {
    String output() throws IOException {
      return Files.readString(log);
    }
  }

  private final E2eStack stack;
  private final List<Process> started = new ArrayList<>();

  /** The home directory of every run ({@code HOME}, {@code XDG_CONFIG_HOME} below it). */
  final Path home;

  Cli(E2eStack stack) throws IOException {
    this.stack = stack;
    this.home = Files.createTempDirectory(stack.work, "home");
  }

  /** Runs the command line as the stack's admin and waits up to 60 s for it to exit. */
  Finished run(String... args) throws Exception {
    return run(admin(), args);
  }

  /** Runs the command line with {@code env} on top of its own home and no Slipway variables. */
  Finished run(Map<String, String> env, String... args) throws Exception {
    Running cli = start(env, args);
    assertTrue(
        cli.process().waitFor(60, TimeUnit.SECONDS), "slipway did not exit: " + cli.output());
    return new Finished(cli.process().exitValue(), cli.output());
  }

  /** Starts the command line as the stack's admin. */
  Running start(String... args) throws IOException {
    return start(admin(), args);
  }

  private Map<String, String> admin() {
    return Map.of("SLIPWAY_TOKEN", stack.adminToken);
  }

  /** Starts the command line with {@code env} on top of its own home and no Slipway variables. */
  Running start(Map<String, String> env, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("dev.slipway.cli.Main");
    command.add("--server");
    command.add(stack.services.apiUrl());
    command.addAll(List.of(args));
    Path log = Files.createTempFile(stack.work, "cli", ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    Map<String, String> childEnv = builder.environment();
    List.of("SLIPWAY_SERVER", "SLIPWAY_TOKEN", "SLIPWAY_TOKEN_FILE").forEach(childEnv::remove);
    childEnv.put("HOME", home.toString());
    childEnv.put("XDG_CONFIG_HOME", home.resolve(".config").toString());
    childEnv.putAll(env);
    Process process = builder.start();
    started.add(process);
    return new Running(process, log);
  }

  @Override
  public void close() {
    started.forEach(Process::destroyForcibly);
  }
}
