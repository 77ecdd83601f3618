package dev.slipway.worker.workingcopy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.slipway.stack.GeneratedRepository;
import dev.slipway.stack.Git;
import dev.slipway.stack.MedianRow;
import dev.slipway.stack.SshTestHost;
import dev.slipway.worker.ssh.ExecResult;
import dev.slipway.worker.ssh.RealSshHostTest;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Time to a working copy at a commit, three ways on one host in one run, for a generated repository
 * of 10,000 files and 500 commits: a fresh {@code git clone} from the repository (what a runner
 * without working copies does), a new copy cloned from the host's mirror, and recycling an idle
 * copy that was cleaned when its last lease ended (the checkout; the cleaning, off the lease's
 * path, printed beside it). Prints figures; asserts only that each ends at the commit asked for.
 * Run with {@code -Dit.test=WorkingCopyGitBenchmark} (docs/performance.md).
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
    GeneratedRepository.create(origin, FILES, COMMITS);
    String uri = origin.toUri().toString();
    String head = Git.git(origin, "rev-parse", "HEAD");
    String previous = Git.git(origin, "rev-parse", "HEAD~1");
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
      assertEquals(head, Git.git(target, "rev-parse", "HEAD"));
      onHost("rm -rf " + quote(target.toString()));
    }
    onHost(GitScripts.checkout(mirror.toString(), copy.toString(), uri, head)); // makes the mirror
    long[] fromMirror = new long[RUNS];
    for (int i = 0; i < RUNS; i++) {
      onHost("rm -rf " + quote(copy.toString()));
      fromMirror[i] = timed(GitScripts.checkout(mirror.toString(), copy.toString(), uri, head));
    }
    long[] cleaned = new long[RUNS * 2];
    long[] recycled = new long[RUNS * 2];
    for (int i = 0; i < recycled.length; i++) {
      String commit = i % 2 == 0 ? previous : head;
      Files.writeString(copy.resolve("left-behind.log"), "x");
      cleaned[i] = timed(GitScripts.clean(copy.toString(), uri)); // when the previous lease ended
      recycled[i] = timed(GitScripts.checkout(mirror.toString(), copy.toString(), uri, commit));
      assertEquals(commit, Git.git(copy, "rev-parse", "HEAD"));
    }

    System.out.printf(
        "%nworking copy of %d files, %d commits, at a commit (ms):%n%-44s %9s %9s %4s%n",
        FILES, COMMITS, "", "median", "max", "n");
    double a = MedianRow.print("fresh git clone + checkout (baseline)", 44, fresh);
    double b = MedianRow.print("new copy cloned from the host mirror", 44, fromMirror);
    double c = MedianRow.print("recycled idle copy (checkout, clean)", 44, recycled);
    MedianRow.print("cleaning at release (reset, clean)", 44, cleaned);
    System.out.printf(
        "fresh clone / recycle %.1f×, mirror clone / recycle %.1f×%n%n", a / c, b / c);
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
}
