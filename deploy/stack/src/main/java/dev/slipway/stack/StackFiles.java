package dev.slipway.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/** Small file helpers shared by the services of this package. */
final class StackFiles {

  private StackFiles() {}

  /** The last {@code lines} lines of a text file, or a note if it cannot be read. */
  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(" + file + " not readable: " + e.getMessage() + ")";
    }
  }

  /** Whether a text file exists and contains {@code text}. */
  static boolean contains(Path file, String text) {
    try {
      return Files.isRegularFile(file) && Files.readString(file).contains(text);
    } catch (IOException | UncheckedIOException e) {
      return false;
    }
  }

  /** Deletes a directory tree, ignoring what cannot be deleted. */
  static void deleteQuietly(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths
          .sorted(Comparator.reverseOrder())
          .forEach(
              path -> {
                try {
                  Files.deleteIfExists(path);
                } catch (IOException e) {
                  // best effort: a temp dir that survives is not worth failing a shutdown for
                }
              });
    } catch (IOException | UncheckedIOException e) {
      // best effort, see above
    }
  }

  /**
   * Stops a process that an earlier JVM left running when it died without running its shutdown
   * hooks: the one whose pid is the first line of {@code pidFile}, if it is alive and its command
   * line mentions {@code marker} (so a recycled pid is left alone). SIGTERM, then SIGKILL.
   */
  static void stopStale(Path pidFile, String marker, Duration timeout) {
    long pid;
    try {
      pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
    } catch (IOException | RuntimeException e) {
      return; // no pid file, or not one we understand: nothing to stop
    }
    ProcessHandle.of(pid)
        .filter(ProcessHandle::isAlive)
        .filter(process -> commandLine(process).contains(marker))
        .ifPresent(process -> stop(process, timeout));
  }

  /** Stops a process: SIGTERM, then SIGKILL if it is still running after {@code grace}. */
  static void stop(ProcessHandle process, Duration grace) {
    process.destroy();
    if (!awaitExit(process, grace)) {
      process.destroyForcibly();
      awaitExit(process, grace);
    }
  }

  /** The full command line; ProcessHandle.Info leaves long ones (a JVM's classpath) out. */
  private static String commandLine(ProcessHandle process) {
    try {
      Path cmdline = Path.of("/proc", Long.toString(process.pid()), "cmdline");
      return Files.readString(cmdline, StandardCharsets.ISO_8859_1).replace('\0', ' ');
    } catch (IOException | RuntimeException e) {
      return process.info().commandLine().orElse("");
    }
  }

  private static boolean awaitExit(ProcessHandle process, Duration timeout) {
    try {
      process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException | ExecutionException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Adds a JVM shutdown hook, returned so that it can be removed again. */
  static Thread onShutdown(String name, Runnable action) {
    Thread hook = new Thread(action, name);
    Runtime.getRuntime().addShutdownHook(hook);
    return hook;
  }

  /** Removes a hook added by {@link #onShutdown}; a no-op while the JVM is shutting down. */
  static void removeShutdownHook(Thread hook) {
    if (hook == null || Thread.currentThread() == hook) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
  }
}
