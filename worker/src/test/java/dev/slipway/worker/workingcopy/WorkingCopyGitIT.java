package dev.slipway.worker.workingcopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.stack.SshTestHost;
import dev.slipway.worker.ssh.ExecResult;
import dev.slipway.worker.ssh.HostConnection;
import dev.slipway.worker.ssh.RealSshHostTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The git scripts of working copies run over SSH (Apache SSHD on this machine) with the real git
 * against a repository made by the test: checkout at a commit, recycling at a branch and a tag (no
 * clone, files of the previous build gone), unknown refs, a corrupt copy.
 */
class WorkingCopyGitIT extends RealSshHostTest {

  @TempDir static Path dir;

  Path origin;
  Path mirror;
  Path copy;

  @BeforeAll
  static void startHost() throws Exception {
    start(SshTestHost.start(dir), dir);
  }

  @BeforeEach
  void repository() throws Exception {
    Path here = Files.createTempDirectory(dir, "case");
    origin = here.resolve("origin");
    mirror = here.resolve("host/mirrors/origin.git");
    copy = here.resolve("host/copies/origin-1");
    Files.createDirectories(origin);
    git(origin, "init", "--quiet", "--initial-branch=main");
    Files.writeString(origin.resolve(".gitignore"), "*.log\n");
    Files.writeString(origin.resolve("app.txt"), "one\n");
    git(origin, "add", ".");
    git(origin, "commit", "--quiet", "-m", "one");
    git(origin, "tag", "v1");
  }

  /** Runs {@code script} on the host: [exit code, stdout, stderr]. */
  static Object[] onHost(String script) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    HostConnection target = target(host, "res-git");
    ExecResult result =
        connections.exec(target, host.clientKeyPair(), script, Duration.ofMinutes(2), out, err);
    return new Object[] {
      result.exitCode(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)
    };
  }

  String checkout(String ref) throws Exception {
    return checkout(mirror.toString(), copy.toString(), ref);
  }

  String checkout(String mirror, String copy, String ref) throws Exception {
    Object[] r = onHost(GitScripts.checkout(mirror, copy, origin.toUri().toString(), ref));
    assertEquals(0, r[0], r[1] + "\n" + r[2]);
    return (String) r[1];
  }

  @Test
  void aCommitThenABranchThenATagRecycleTheCopyAndLeaveNothingBehind() throws Exception {
    String one = git(origin, "rev-parse", "HEAD");
    String out = checkout(one);
    assertTrue(out.contains("slipway: cloning"), out);
    assertTrue(out.trim().endsWith("slipway: HEAD " + one), out);
    assertEquals("one\n", Files.readString(copy.resolve("app.txt")));

    // the build leaves untracked, ignored and modified files behind
    Files.writeString(copy.resolve("untracked.txt"), "x");
    Files.writeString(copy.resolve("build.log"), "ignored");
    Files.writeString(copy.resolve("app.txt"), "modified\n");
    Files.writeString(origin.resolve("app.txt"), "two\n");
    git(origin, "commit", "--quiet", "-am", "two");
    String two = git(origin, "rev-parse", "HEAD");

    out = checkout("main");
    assertTrue(out.contains("slipway: recycling"), out);
    assertFalse(out.contains("slipway: cloning"), out);
    assertTrue(out.trim().endsWith("slipway: HEAD " + two), out);
    assertEquals("two\n", Files.readString(copy.resolve("app.txt")));
    assertFalse(Files.exists(copy.resolve("untracked.txt")));
    assertFalse(Files.exists(copy.resolve("build.log")));

    out = checkout("v1");
    assertTrue(out.trim().endsWith("slipway: HEAD " + one), out);
    assertEquals("one\n", Files.readString(copy.resolve("app.txt")));
  }

  @Test
  void relativePathsAreUnderTheHomeDirectoryForTheCloneAndForTheRecycling() throws Exception {
    String home = (String) onHost("pwd")[1];
    Path base = Path.of(home.strip());
    String relativeMirror = base.relativize(mirror).toString();
    String relativeCopy = base.relativize(copy).toString();

    assertTrue(checkout(relativeMirror, relativeCopy, "main").contains("slipway: cloning"));
    String out = checkout(relativeMirror, relativeCopy, "main");

    assertTrue(out.contains("slipway: recycling"), out);
    assertTrue(Files.isDirectory(mirror), "mirror under the home: " + mirror);
    assertEquals("one\n", Files.readString(copy.resolve("app.txt")));
  }

  @Test
  void aRefThatNamesNoCommitExitsWithItsOwnStatus() throws Exception {
    Object[] r =
        onHost(
            GitScripts.checkout(
                mirror.toString(), copy.toString(), origin.toUri().toString(), "no-such-branch"));
    assertEquals(GitScripts.UNKNOWN_REF, r[0], r[2].toString());
    assertTrue(r[2].toString().contains("no-such-branch names no commit"), r[2].toString());
  }

  @Test
  void aCorruptCopyFailsAndCleaningLeavesTheCheckoutAsCommitted() throws Exception {
    checkout("main");
    Files.writeString(copy.resolve("scratch.txt"), "x");
    Object[] cleaned = onHost(GitScripts.clean(copy.toString()));
    assertEquals(0, cleaned[0], cleaned[2].toString());
    assertFalse(Files.exists(copy.resolve("scratch.txt")));

    Files.writeString(copy.resolve(".git/HEAD"), "garbage\n");
    Object[] r =
        onHost(
            GitScripts.checkout(
                mirror.toString(), copy.toString(), origin.toUri().toString(), "main"));
    assertNotEquals(0, r[0]);
    assertNotEquals(GitScripts.UNKNOWN_REF, r[0]);
  }

  @Test
  void refsThatCouldBeReadAsOptionsOrRangesAreRefused() {
    for (String ref : List.of("--upload-pack=touch x", "-x", "a..b", "main branch", "a\nb", "")) {
      assertThrows(
          IllegalArgumentException.class,
          () -> GitScripts.checkout("/m", "/d", "file:///r", ref),
          ref);
    }
  }

  /** Runs git in {@code where} on this machine (the test's side); returns its trimmed output. */
  static String git(Path where, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("git", "-C", where.toString()));
    command.addAll(List.of("-c", "user.name=Slipway Test", "-c", "user.email=test@slipway.dev"));
    command.addAll(List.of(args));
    Process git = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, git.waitFor(), String.join(" ", command) + "\n" + out);
    return out.trim();
  }
}
