package dev.slipway.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Runs the command line in this JVM against a {@link FakeApi}, capturing what it prints. Its
 * environment is the test's alone: {@code SLIPWAY_SERVER} is the fake and {@code HOME} a directory
 * that does not exist, unless the test sets {@link #env} otherwise.
 */
final class CliRun {

  /** Shutdown hooks and halts, kept instead of done. */
  static final class FakeLifecycle implements Main.Lifecycle {
    final List<Runnable> hooks = new CopyOnWriteArrayList<>();
    final List<Integer> halts = new CopyOnWriteArrayList<>();

    @Override
    public void onShutdown(Runnable hook) {
      hooks.add(hook);
    }

    @Override
    public void halt(int status) {
      halts.add(status);
    }
  }

  final FakeApi api;
  final FakeLifecycle lifecycle = new FakeLifecycle();
  final Map<String, String> env = new HashMap<>();

  /** The local stack's admin token file the command line is told about, if any. */
  Path localTokenFile;

  /** What the command line reads on stdin. */
  String stdin = "";

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  CliRun(FakeApi api) {
    this.api = api;
    env.put("SLIPWAY_SERVER", api.url().toString());
    env.put("HOME", Path.of("/nonexistent", "home-" + UUID.randomUUID()).toString());
  }

  /** This run's environment with {@code HOME} set to {@code home}. */
  CliRun home(Path home) {
    env.put("HOME", home.toString());
    return this;
  }

  int run(String... args) {
    Environment environment =
        new Environment(
            Map.copyOf(env),
            localTokenFile,
            null,
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
    Main main =
        new Main(
            environment,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            lifecycle);
    return main.run(args);
  }

  String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  String err() {
    return err.toString(StandardCharsets.UTF_8);
  }
}
