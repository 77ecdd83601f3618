package dev.slipway.stack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The git command line on this machine, for tests and benchmarks that make repositories. */
public final class Git {

  private Git() {}

  /**
   * Runs git in {@code where} (with a committer identity of its own and no commit signing); returns
   * its trimmed output.
   *
   * @throws IOException with git's output when it fails
   */
  public static String git(Path where, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("git", "-C", where.toString()));
    command.addAll(List.of("-c", "user.name=Slipway Test", "-c", "user.email=test@slipway.dev"));
    command.addAll(List.of("-c", "commit.gpgsign=false"));
    command.addAll(List.of(args));
    Process git = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (git.waitFor() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + out);
    }
    return out.trim();
  }
}
