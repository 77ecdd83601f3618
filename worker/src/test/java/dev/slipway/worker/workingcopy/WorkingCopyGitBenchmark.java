package dev.slipway.worker.workingcopy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.slipway.stack.SshTestHost;
import dev.slipway.worker.ssh.ExecResult;
import dev.slipway.worker.ssh.RealSshHostTest;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Time to a working copy at a commit, three ways on one host in one run, for a generated repository
 * of 10,000 files and 500 commits: a fresh {@code git clone} from the repository (what a runner
 * without working copies does), a new copy cloned from the host's mirror, and recycling an idle
 * copy (fetch, checkout, reset, clean). Prints figures; asserts only that each ends at the commit
 * asked for. Run with {@code -Dit.test=WorkingCopyGitBenchmark} (docs/performance.md).
 */
class WorkingCopyGitBenchmark extends RealSshHostTest {

  private static final int FILES = 10_000;
  private static final int COMMITS = 500;
  private static final int RUNS = Integer.getInteger("bench.runs", 10);

  @TempDir Path dir;

  @Test
  void freshCloneMirrorCloneAndRecycle() throws Exception {
    start(SshTestHost.start(dir.resolve("host")), dir);
    Path origin = dir.resolve("origin.git");
    generate(origin);
    String uri = origin.toUri().toString();
    String head = WorkingCopyGitIT.git(origin, "rev-parse", "HEAD");
    String previous = WorkingCopyGitIT.git(origin, "rev-parse", "HEAD~1");
    Path mirror = dir.resolve("host-files/mirrors/origin.git");
    Path copy = dir.resolve("host-files/copies/origin-1");

    long[] fresh = new long[RUNS];
    for (int i = 0; i < RUNS; i++) {
      Path target = dir.resolve("fresh-" + i);
      fresh[i] =
          timed(
              "git clone --quiet --no-checkout "
                  + quote(uri)
                  + " "
                  + quote(target.toString())
                  + " && git -C "
                  + quote(target.toString())
                  + " checkout --quiet --detach "
                  + head);
      assertEquals(head, WorkingCopyGitIT.git(target, "rev-parse", "HEAD"));
      onHost("rm -rf " + quote(target.toString()));
    }
    onHost(GitScripts.checkout(mirror.toString(), copy.toString(), uri, head)); // makes the mirror
    long[] fromMirror = new long[RUNS];
    for (int i = 0; i < RUNS; i++) {
      onHost("rm -rf " + quote(copy.toString()));
      fromMirror[i] = timed(GitScripts.checkout(mirror.toString(), copy.toString(), uri, head));
    }
    long[] recycled = new long[RUNS * 2];
    for (int i = 0; i < recycled.length; i++) {
      String commit = i % 2 == 0 ? previous : head;
      Files.writeString(copy.resolve("left-behind.log"), "x");
      recycled[i] = timed(GitScripts.checkout(mirror.toString(), copy.toString(), uri, commit));
      assertEquals(commit, WorkingCopyGitIT.git(copy, "rev-parse", "HEAD"));
    }

    System.out.printf(
        "%nworking copy of %d files, %d commits, at a commit (ms):%n%-44s %8s %8s %4s%n",
        FILES, COMMITS, "", "median", "max", "n");
    double a = print("fresh git clone + checkout (baseline)", fresh);
    double b = print("new copy cloned from the host mirror", fromMirror);
    double c = print("recycled idle copy (fetch, checkout, clean)", recycled);
    System.out.printf(
        "fresh clone / recycle %.1f×, mirror clone / recycle %.1f×%n%n", a / c, b / c);
  }

  /** A bare repository: one commit of FILES files, then COMMITS - 1 commits of 20 changes each. */
  private static void generate(Path bare) throws Exception {
    WorkingCopyGitIT.git(
        bare.getParent(), "init", "--quiet", "--bare", "--initial-branch=main", bare.toString());
    Process importer =
        new ProcessBuilder("git", "-C", bare.toString(), "fast-import", "--quiet")
            .redirectErrorStream(true)
            .start();
    try (OutputStream in = importer.getOutputStream()) {
      for (int c = 0; c < COMMITS; c++) {
        StringBuilder commit = new StringBuilder();
        String message = "commit " + c;
        commit
            .append("commit refs/heads/main\n")
            .append("committer Slipway <bench@slipway.dev> ")
            .append(1_700_000_000L + c)
            .append(" +0000\n")
            .append("data ")
            .append(message.length())
            .append('\n')
            .append(message)
            .append('\n');
        int from = c == 0 ? 0 : (c * 20) % FILES;
        int count = c == 0 ? FILES : 20;
        for (int f = from; f < from + count; f++) {
          String content = "file " + (f % FILES) + " at commit " + c + "\n";
          commit
              .append("M 644 inline src/d")
              .append((f % FILES) / 100)
              .append("/f")
              .append(f % FILES)
              .append(".txt\ndata ")
              .append(content.length())
              .append('\n')
              .append(content);
        }
        in.write(commit.toString().getBytes(StandardCharsets.UTF_8));
      }
    }
    String out = new String(importer.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, importer.waitFor(), out);
  }

  private static long timed(String script) throws Exception {
    long start = System.nanoTime();
    onHost(script);
    return System.nanoTime() - start;
  }

  private static void onHost(String script) throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    ExecResult r =
        connections.exec(
            target(host, "res-bench"),
            host.clientKeyPair(),
            script,
            Duration.ofMinutes(5),
            OutputStream.nullOutputStream(),
            err);
    assertEquals(0, r.exitCode(), err.toString(StandardCharsets.UTF_8));
  }

  private static String quote(String value) {
    return dev.slipway.common.platform.Platform.LINUX.shell().quote(value);
  }

  private static double print(String what, long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    double median = sorted[sorted.length / 2] / 1e6;
    System.out.printf(
        "%-44s %8.1f %8.1f %4d%n", what, median, sorted[sorted.length - 1] / 1e6, nanos.length);
    return median;
  }
}
