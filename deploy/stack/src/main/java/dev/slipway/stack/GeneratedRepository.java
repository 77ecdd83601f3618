package dev.slipway.stack;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A generated bare git repository for benchmarks: one commit of {@code files} files (100 to a
 * directory), then {@code commits - 1} commits of 20 changed files each, on {@code main}. Written
 * with {@code git fast-import}, so that making 10,000 files and 500 commits takes a second.
 */
public final class GeneratedRepository {

  private GeneratedRepository() {}

  /** Creates the repository at {@code bare}; returns its HEAD commit id. */
  public static String create(Path bare, int files, int commits)
      throws IOException, InterruptedException {
    Git.git(
        bare.getParent(), "init", "--quiet", "--bare", "--initial-branch=main", bare.toString());
    Process importer =
        new ProcessBuilder("git", "-C", bare.toString(), "fast-import", "--quiet")
            .redirectErrorStream(true)
            .start();
    try (OutputStream in = importer.getOutputStream()) {
      for (int c = 0; c < commits; c++) {
        in.write(commit(c, files).getBytes(StandardCharsets.UTF_8));
      }
    }
    String out = new String(importer.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (importer.waitFor() != 0) {
      throw new IOException("git fast-import failed: " + out);
    }
    return Git.git(bare, "rev-parse", "HEAD");
  }

  private static String commit(int c, int files) {
    String message = "commit " + c;
    StringBuilder commit =
        new StringBuilder("commit refs/heads/main\n")
            .append("committer Slipway <bench@slipway.dev> ")
            .append(1_700_000_000L + c)
            .append(" +0000\ndata ")
            .append(message.length())
            .append('\n')
            .append(message)
            .append('\n');
    int from = c == 0 ? 0 : (c * 20) % files;
    int count = c == 0 ? files : 20;
    for (int f = from; f < from + count; f++) {
      int file = f % files;
      String content = "file " + file + " at commit " + c + "\n";
      commit
          .append("M 644 inline src/d")
          .append(file / 100)
          .append("/f")
          .append(file)
          .append(".txt\ndata ")
          .append(content.length())
          .append('\n')
          .append(content);
    }
    return commit.toString();
  }
}
