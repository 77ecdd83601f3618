package dev.slipway.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Runs the command line in this JVM against a {@link FakeApi}, capturing what it prints. */
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
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  CliRun(FakeApi api) {
    this.api = api;
  }

  int run(String... args) {
    Main main =
        new Main(
            server -> api,
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
