package dev.slipway.containers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code slipway} command line as an operator runs it against the compose stack: its own JVM,
 * from the jar and libraries {@code ./mvnw package} left in {@code cli/target} (those the CLI image
 * copies), a home of its own, the server and the bootstrap token in its environment.
 */
final class Cli {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String server;
  private final String token;
  private final Path home;

  private final String classpath;

  Cli(Path root, String server, String token) throws IOException {
    Path target = root.resolve("cli/target");
    Path jar = target.resolve("slipway-cli.jar");
    if (!Files.isRegularFile(jar) || !Files.isDirectory(target.resolve("lib"))) {
      throw new IllegalStateException(jar + " or its lib/ is missing: run ./mvnw -B package first");
    }
    this.classpath = jar + java.io.File.pathSeparator + target.resolve("lib") + "/*";
    this.server = server;
    this.token = token;
    this.home = Files.createTempDirectory("slipway-cli-home");
  }

  /** Runs it, waits up to 2 minutes, and returns its output (stdout and stderr) if it exits 0. */
  String ok(String... args) throws Exception {
    Finished finished = run(args);
    assertEquals(0, finished.code(), "slipway " + String.join(" ", args) + ": " + finished.output);
    return finished.output;
  }

  /** {@link #ok} with {@code --json}, parsed. */
  JsonNode json(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(args));
    all.add("--json");
    Finished finished = run(all.toArray(String[]::new));
    assertEquals(0, finished.code(), "slipway " + String.join(" ", all) + ": " + finished.output);
    return JSON.readTree(finished.stdout);
  }

  record Finished(int code, String stdout, String output) {}

  Finished run(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(classpath);
    command.add("dev.slipway.cli.Main");
    command.addAll(List.of(args));
    Path out = Files.createTempFile(home, "out", ".txt");
    Path err = Files.createTempFile(home, "err", ".txt");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    builder.environment().remove("SLIPWAY_TOKEN_FILE");
    builder.environment().put("SLIPWAY_SERVER", server);
    builder.environment().put("SLIPWAY_TOKEN", token);
    builder.environment().put("HOME", home.toString());
    builder.environment().put("XDG_CONFIG_HOME", home.resolve(".config").toString());
    Process process = builder.start();
    boolean exited = process.waitFor(2, TimeUnit.MINUTES);
    if (!exited) {
      process.destroyForcibly();
    }
    String stdout = Files.readString(out);
    String output = stdout + Files.readString(err);
    assertTrue(exited, "slipway " + String.join(" ", args) + " did not exit: " + output);
    return new Finished(process.exitValue(), stdout, output);
  }
}
