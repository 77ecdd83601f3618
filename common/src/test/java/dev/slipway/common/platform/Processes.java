package dev.slipway.common.platform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Runs a real process for the shell tests and checks that it left no trace behind. */
final class Processes {

  record Result(int exitCode, byte[] stdout) {
    String text() {
      return new String(stdout, StandardCharsets.UTF_8);
    }
  }

  private Processes() {}

  /** Runs {@code command} in {@code dir} and returns its exit code and stdout. */
  static Result run(Path dir, String... command) throws IOException, InterruptedException {
    // Arguments reach the process in the JVM's native encoding; only UTF-8 keeps unicode intact.
    assertEquals(
        "UTF-8",
        System.getProperty("sun.jnu.encoding"),
        "run the tests under a UTF-8 locale (e.g. LANG=C.UTF-8)");
    Process process =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    byte[] stdout = process.getInputStream().readAllBytes();
    assertTrue(process.waitFor(30, TimeUnit.SECONDS), "timed out: " + List.of(command));
    return new Result(process.exitValue(), stdout);
  }

  /**
   * Runs {@code command} in {@code dir} and fails unless it succeeds, prints exactly {@code
   * expected} (byte for byte, in UTF-8) and leaves nothing named {@code pwned} or {@code x}.
   */
  static void assertPrints(String expected, Path dir, String... command)
      throws IOException, InterruptedException {
    Result result = run(dir, command);
    assertEquals(0, result.exitCode(), "exit code");
    assertArrayEquals(expected.getBytes(StandardCharsets.UTF_8), result.stdout());
    assertNothingCreatedBelow(dir);
  }

  /** Fails when anything below {@code dir} is named {@code pwned} or {@code x}. */
  static void assertNothingCreatedBelow(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      List<Path> planted =
          files
              .filter(p -> List.of("pwned", "x").contains(String.valueOf(p.getFileName())))
              .toList();
      assertEquals(List.of(), planted, "a quoted value ran a command");
    }
  }

  /** Whether {@code program} is an executable on PATH. */
  static boolean onPath(String program) {
    return Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
        .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
  }
}
