package dev.slipway.worker.provisioning;

import dev.slipway.platform.blueprint.ScriptHostConfig.Script;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs a blueprint's scripts as processes of the allocator worker. Each run gets a private
 * directory (mode 0700) holding its standard input, output and error as files (so a daemon the
 * script leaves behind with those streams open can never hold the run up), and, for a script given
 * in the config, the script itself. The environment is the worker's variables named in {@code
 * slipway.provisioning.pass-environment} plus the {@code SLIPWAY_*} ones of the call. A run past
 * its timeout has its whole process tree killed.
 */
@ApplicationScoped
public class HostScripts {

  /** How a run ended: its exit code (-1 when it timed out), what it printed, what it logged. */
  public record Run(int exitCode, boolean timedOut, String stdout, List<String> stderr) {

    public boolean succeeded() {
      return !timedOut && exitCode == 0;
    }

    /** The run's failure in words, with the last lines it logged. */
    public String failure(String what, Duration timeout) {
      String tail =
          stderr.isEmpty()
              ? ""
              : ": "
                  + String.join(
                      " | ", stderr.subList(Math.max(0, stderr.size() - 3), stderr.size()));
      return timedOut
          ? what + " did not finish within " + timeout.toSeconds() + "s and was killed" + tail
          : what + " failed with exit code " + exitCode + tail;
    }
  }

  private static final int TAIL_BYTES = 256 * 1024;

  @Inject ProvisioningConfig config;

  /**
   * Runs {@code script} with {@code variables} added to the passed environment and {@code stdin} as
   * its standard input.
   *
   * @throws IOException when it cannot be started at all (a missing or non-executable file)
   */
  public Run run(Script script, Map<String, String> variables, String stdin, Duration timeout)
      throws IOException, InterruptedException {
    Path dir =
        Files.createTempDirectory(
            config.scriptDirectory().orElse(Path.of(System.getProperty("java.io.tmpdir"))),
            "slipway-script-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    try {
      Path executable = script.path();
      if (script.inline() != null) {
        executable = dir.resolve("script");
        Files.writeString(executable, script.inline(), StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(executable, PosixFilePermissions.fromString("rwx------"));
      } else if (!Files.isExecutable(executable)) {
        throw new IOException(executable + " is not an executable file on this worker");
      }
      Path in = Files.writeString(dir.resolve("stdin"), stdin == null ? "" : stdin);
      Path out = dir.resolve("stdout");
      Path err = dir.resolve("stderr");
      ProcessBuilder builder =
          new ProcessBuilder(executable.toString())
              .directory(dir.toFile())
              .redirectInput(in.toFile())
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      Map<String, String> env = builder.environment();
      Map<String, String> inherited = Map.copyOf(env);
      env.clear();
      inherited.forEach(
          (name, value) -> {
            if (passed(name)) {
              env.put(name, value);
            }
          });
      env.putAll(variables);
      Process process = builder.start();
      boolean exited;
      try {
        exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        kill(process); // the worker is stopping: nothing it started keeps running unwatched
        throw e;
      }
      if (!exited) {
        kill(process);
      }
      return new Run(exited ? process.exitValue() : -1, !exited, head(out), tail(err));
    } finally {
      delete(dir);
    }
  }

  private boolean passed(String name) {
    for (String pattern : config.passEnvironment()) {
      String p = pattern.trim();
      if (p.endsWith("*") ? name.startsWith(p.substring(0, p.length() - 1)) : name.equals(p)) {
        return true;
      }
    }
    return false;
  }

  private static void kill(Process process) throws InterruptedException {
    List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
    process.destroyForcibly();
    tree.forEach(ProcessHandle::destroyForcibly);
    process.waitFor(10, TimeUnit.SECONDS);
  }

  private String head(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return new String(in.readNBytes(config.maxOutputBytes()), StandardCharsets.UTF_8);
    }
  }

  /** The last lines of {@code file}, from its last {@link #TAIL_BYTES} bytes at most. */
  private List<String> tail(Path file) throws IOException {
    List<String> lines = new ArrayList<>();
    long size = Files.size(file);
    byte[] bytes;
    try (var channel = java.nio.channels.FileChannel.open(file)) {
      channel.position(Math.max(0, size - TAIL_BYTES));
      bytes = java.nio.channels.Channels.newInputStream(channel).readNBytes(TAIL_BYTES);
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    try (Stream<String> all = text.lines()) {
      all.forEach(
          line -> {
            lines.add(line.length() > 2000 ? line.substring(0, 2000) + "…" : line);
            if (lines.size() > config.maxLogLines()) {
              lines.remove(0);
            }
          });
    }
    return lines;
  }

  private static void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a private temporary directory: left for the system's cleaner
    }
  }
}
