package dev.slipway.worker.workingcopy;

import static dev.slipway.stack.Git.git;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.slipway.stack.SshTestHost;
import dev.slipway.worker.ssh.ExecResult;
import dev.slipway.worker.ssh.HostConnection;
import dev.slipway.worker.ssh.RealSshHostTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
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

  Path here;
  Path origin;
  Path mirror;
  Path copy;

  @BeforeAll
  static void startHost() throws Exception {
    start(SshTestHost.start(dir), dir);
  }

  @BeforeEach
  void repository() throws Exception {
    here = Files.createTempDirectory(dir, "case");
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
    return onHost(script, null);
  }

  /** Runs {@code script} on the host with {@code stdin} as its input (null: none). */
  static Object[] onHost(String script, byte[] stdin) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    HostConnection target = target(host, "res-git");
    ExecResult result =
        connections.exec(
            target, host.clientKeyPair(), script, stdin, Duration.ofMinutes(2), out, err);
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
    Object[] released =
        onHost(
            GitScripts.clean(copy.toString(), origin.toUri().toString())); // as when its lease ends
    assertEquals(0, released[0], released[2].toString());
    assertEquals("", git(copy, "status", "--porcelain", "--ignored"));

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
  void theIdOfAnAnnotatedTagChecksOutTheCommitItNames() throws Exception {
    String one = git(origin, "rev-parse", "HEAD");
    git(origin, "tag", "--annotate", "--message", "release", "v1.0");
    String tagObject = git(origin, "rev-parse", "v1.0");
    assertNotEquals(one, tagObject);
    checkout("main"); // the copy now holds the tag object, so the next one is not fetched

    String out = checkout(tagObject);

    assertTrue(out.trim().endsWith("slipway: HEAD " + one), out);
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
    Object[] cleaned = onHost(GitScripts.clean(copy.toString(), origin.toUri().toString()));
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
  void aDeployKeyReachesAnSshRepositoryOnlyWhileTheScriptRuns() throws Exception {
    try (SshTestHost server = SshTestHost.start(Files.createTempDirectory(dir, "git-server"))) {
      String uri = servedBy(server);

      Object[] without = checkoutWith(uri, "main", null, null);
      assertEquals(GitScripts.REPOSITORY_UNREACHABLE, without[0], without[1] + "\n" + without[2]);

      Object[] with = checkoutWith(uri, "main", deployKey(server.clientPrivateKeyPem()), null);
      assertEquals(0, with[0], with[1] + "\n" + with[2]);
      assertEquals("one\n", Files.readString(copy.resolve("app.txt")));
      assertEquals(List.of(), leftovers(), "the key and its known_hosts are deleted");
    }
  }

  @Test
  void aWorkingCopyRootWithShellCharactersIsNeverRunAsCommands() throws Exception {
    Path pwned = dir.resolve("pwned-" + System.nanoTime());
    Path root =
        here.resolve("x'; touch " + pwned + "; ' $(touch " + pwned + ") `touch " + pwned + "`");
    try (SshTestHost server = SshTestHost.start(Files.createTempDirectory(dir, "git-server"))) {
      String uri = servedBy(server);
      deployKeyPem = server.clientPrivateKeyPem();
      String file = root.resolve("credentials").resolve("key").toString();

      Object[] with =
          checkoutWith(
              uri,
              "main",
              new GitScripts.Access(file, "ssh-private-key", null, KEY_SWEEP_MINUTES),
              null);

      assertFalse(Files.exists(pwned), "a character of the root ran as a command");
      assertEquals(0, with[0], with[1] + "\n" + with[2]);
      assertEquals("one\n", Files.readString(copy.resolve("app.txt")));
      try (var left = Files.list(root.resolve("credentials"))) {
        assertEquals(List.of(), left.toList(), "the key and its known_hosts are deleted");
      }
    }
  }

  @Test
  void anSshConfigOfTheHostUserNeverDecidesHowGitReachesTheRepository() throws Exception {
    Path marker = dir.resolve("proxied-" + System.nanoTime());
    // "localhost": only this test reaches the server by that name, so that the planted lines
    // change nothing for anything else of this user (Slipway's own SSH client reads them too)
    try (SshTestHost server = SshTestHost.start(Files.createTempDirectory(dir, "git-server"));
        PlantedSshConfig planted =
            PlantedSshConfig.plant("Host localhost\n  ProxyCommand touch " + marker + "\n")) {
      String uri = servedBy(server).replace("@127.0.0.1:", "@localhost:");

      Object[] with = checkoutWith(uri, "main", deployKey(server.clientPrivateKeyPem()), null);

      assertFalse(Files.exists(marker), "a ProxyCommand of ~/.ssh/config ran");
      assertEquals(0, with[0], with[1] + "\n" + with[2]);
      assertEquals("one\n", Files.readString(copy.resolve("app.txt")));
      assertEquals(List.of(), leftovers());
    }
  }

  @Test
  void aPinnedRepositoryHostKeyRefusesAnotherServer() throws Exception {
    try (SshTestHost server = SshTestHost.start(Files.createTempDirectory(dir, "git-server"));
        SshTestHost other = SshTestHost.start(Files.createTempDirectory(dir, "other"))) {
      String uri = servedBy(server);
      GitScripts.Access key = deployKey(server.clientPrivateKeyPem());

      Object[] refused = checkoutWith(uri, "main", key, other.hostPublicKey());
      Object[] pinned = checkoutWith(uri, "main", key, server.hostPublicKey());

      assertEquals(GitScripts.REPOSITORY_UNREACHABLE, refused[0], refused[1] + "\n" + refused[2]);
      assertTrue(refused[2].toString().contains("Host key verification failed"), refused[2] + "");
      assertEquals(0, pinned[0], pinned[1] + "\n" + pinned[2]);
      assertEquals(List.of(), leftovers());
    }
  }

  @Test
  void credentialFilesThatAKilledCheckoutLeftAreSweptButNotThoseOfARunningOne() throws Exception {
    try (SshTestHost server = SshTestHost.start(Files.createTempDirectory(dir, "git-server"))) {
      String uri = servedBy(server);
      Path credentials = Files.createDirectories(here.resolve("credentials"));
      Path stale = Files.writeString(credentials.resolve("left-by-a-killed-checkout"), "secret");
      Files.setLastModifiedTime(
          stale, FileTime.from(Instant.now().minus(Duration.ofMinutes(KEY_SWEEP_MINUTES + 5))));
      Path young = Files.writeString(credentials.resolve("of-a-running-checkout"), "secret");

      Object[] with = checkoutWith(uri, "main", deployKey(server.clientPrivateKeyPem()), null);

      assertEquals(0, with[0], with[1] + "\n" + with[2]);
      assertEquals(List.of(young.getFileName().toString()), leftovers());
    }
  }

  @Test
  void aCommitTheCopyHoldsNeedsNeitherTheRepositoryNorItsCredential() throws Exception {
    try (SshTestHost server = SshTestHost.start(Files.createTempDirectory(dir, "git-server"))) {
      String uri = servedBy(server);
      String one = git(origin, "rev-parse", "HEAD");
      Object[] first = checkoutWith(uri, one, deployKey(server.clientPrivateKeyPem()), null);
      assertEquals(0, first[0], first[1] + "\n" + first[2]);
      server.close(); // the repository is gone
      Files.delete(here.resolve("credentials")); // empty: the first checkout deleted its key

      Object[] again =
          onHost(
              GitScripts.checkout(
                  mirror.toString(), copy.toString(), uri, one, deployKey("unused")),
              GitScripts.credentialInput(null, "not a key"));

      assertEquals(0, again[0], again[1] + "\n" + again[2]);
      assertTrue(again[1].toString().contains("slipway: recycling"), again[1] + "");
      assertFalse(Files.exists(here.resolve("credentials")), "no credential was written");
    }
  }

  @Test
  void anHttpTokenIsAnsweredToGitThroughAskpassAndDeletedAfterwards() throws Exception {
    Path served = Files.createTempDirectory(dir, "http");
    Path bare = served.resolve("origin.git");
    git(dir, "clone", "--bare", "--quiet", origin.toString(), bare.toString());
    git(bare, "update-server-info");
    String token = "tok-" + java.util.UUID.randomUUID();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server
        .createContext("/", exchange -> serve(exchange, served))
        .setAuthenticator(
            new BasicAuthenticator("git") {
              @Override
              public boolean checkCredentials(String user, String password) {
                return "builder".equals(user) && token.equals(password);
              }
            });
    server.start();
    try {
      String uri = "http://127.0.0.1:" + server.getAddress().getPort() + "/origin.git";
      Object[] without = checkoutWith(uri, "main", null, null);
      assertEquals(GitScripts.REPOSITORY_UNREACHABLE, without[0], without[1] + "\n" + without[2]);

      GitScripts.Access access =
          new GitScripts.Access(credentialFile(), "https-token", "builder", KEY_SWEEP_MINUTES);
      Object[] with = checkoutWith(uri, "main", access, null, token);
      assertEquals(0, with[0], with[1] + "\n" + with[2]);
      assertEquals("one\n", Files.readString(copy.resolve("app.txt")));
      assertEquals(List.of(), leftovers(), "the token and the askpass script are deleted");
      assertFalse((with[1] + "" + with[2]).contains(token));
    } finally {
      server.stop(0);
    }
  }

  private static final long KEY_SWEEP_MINUTES = 31;

  /** The test's repository, served by {@code server} over SSH: its {@code ssh://} URL. */
  private String servedBy(SshTestHost server) throws Exception {
    Path bare = Files.createTempDirectory(dir, "served").resolve("origin.git");
    git(dir, "clone", "--bare", "--quiet", origin.toString(), bare.toString());
    return "ssh://" + server.user() + "@127.0.0.1:" + server.port() + bare;
  }

  private String deployKeyPem;

  /** A deploy key, written by the script into this case's credentials directory. */
  private GitScripts.Access deployKey(String pem) {
    deployKeyPem = pem;
    return new GitScripts.Access(credentialFile(), "ssh-private-key", null, KEY_SWEEP_MINUTES);
  }

  private String credentialFile() {
    return here.resolve("credentials").resolve(java.util.UUID.randomUUID().toString()).toString();
  }

  /** A checkout into a new copy and mirror, the secret of {@code access} given on stdin. */
  private Object[] checkoutWith(String uri, String ref, GitScripts.Access access, String pin)
      throws Exception {
    return checkoutWith(uri, ref, access, pin, deployKeyPem);
  }

  private Object[] checkoutWith(
      String uri, String ref, GitScripts.Access access, String pin, String secret)
      throws Exception {
    Path attempt = Files.createTempDirectory(here, "try");
    copy = attempt.resolve("copy");
    mirror = attempt.resolve("mirror.git");
    return onHost(
        GitScripts.checkout(mirror.toString(), copy.toString(), uri, ref, access),
        access == null ? null : GitScripts.credentialInput(pin, secret));
  }

  /** What is left in the credentials directory. */
  private List<String> leftovers() throws IOException {
    try (var files = Files.list(here.resolve("credentials"))) {
      return files.map(p -> p.getFileName().toString()).toList();
    }
  }

  /** Serves the files under {@code root} as they are (git's "dumb" HTTP protocol). */
  private static void serve(HttpExchange exchange, Path root) throws IOException {
    Path file = root.resolve(exchange.getRequestURI().getPath().substring(1)).normalize();
    if (!file.startsWith(root) || !Files.isRegularFile(file)) {
      exchange.sendResponseHeaders(404, -1);
      exchange.close();
      return;
    }
    byte[] body = Files.readAllBytes(file);
    exchange.sendResponseHeaders(200, body.length);
    try (var out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Test
  void hooksAndConfigThatABuildPlantsInItsCopyNeverRunAtTheNextCheckout() throws Exception {
    checkout("main");
    Path marker = dir.resolve("planted-" + System.nanoTime());
    Path hook = copy.resolve(".git/hooks/post-checkout");
    Files.writeString(hook, "#!/bin/sh\ntouch " + marker + "\n");
    Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwx------"));
    git(copy, "config", "core.fsmonitor", "touch " + marker + "; echo");
    git(copy, "config", "core.hooksPath", copy.resolve(".git/hooks").toString());
    git(copy, "config", "remote.origin.url", "https://attacker.example/steal.git");

    checkout("main");
    Object[] clean = onHost(GitScripts.clean(copy.toString(), origin.toUri().toString()));

    assertEquals(0, clean[0], clean[2].toString());
    assertFalse(Files.exists(marker), "a planted hook or fsmonitor ran");
    assertEquals(origin.toUri().toString(), git(copy, "config", "remote.origin.url"));
  }

  @Test
  void filtersAndAttributesThatABuildPlantsDoNotDecideWhatCleaningWrites() throws Exception {
    checkout("main");
    Path marker = dir.resolve("smudged-" + System.nanoTime());
    git(copy, "config", "filter.planted.smudge", "touch " + marker + "; sed s/one/planted/");
    Files.writeString(copy.resolve(".git/info/attributes"), "* filter=planted\n");
    Files.writeString(copy.resolve("app.txt"), "modified by the build\n");

    Object[] clean = onHost(GitScripts.clean(copy.toString(), origin.toUri().toString()));

    assertEquals(0, clean[0], clean[2].toString());
    assertEquals("one\n", Files.readString(copy.resolve("app.txt")));
    assertFalse(Files.exists(marker), "a planted filter ran");
    assertFalse(Files.exists(copy.resolve(".git/info/attributes")));
  }

  @Test
  void cleaningACopyWhoseGitDirectoryWasDeletedNeverTouchesAnEnclosingRepository()
      throws Exception {
    Path parent = Files.createTempDirectory(dir, "enclosing");
    git(parent, "init", "--quiet");
    Path precious = Files.writeString(parent.resolve("precious.txt"), "keep me\n");
    Path copyDir = Files.createDirectories(parent.resolve("copies/c1"));
    Files.writeString(copyDir.resolve("left.txt"), "x");

    Object[] clean = onHost(GitScripts.clean(copyDir.toString(), origin.toUri().toString()));

    assertNotEquals(0, clean[0], "cleaning a copy without .git must fail");
    assertTrue(Files.exists(precious), "the enclosing repository was cleaned");
    assertTrue(Files.exists(copyDir.resolve("left.txt")));
  }

  @Test
  void aCommitOnlyReachableFromAnotherRefIsCheckedOutByItsId() throws Exception {
    checkout("main");
    git(origin, "checkout", "--quiet", "-b", "topic");
    Files.writeString(origin.resolve("app.txt"), "pull request\n");
    git(origin, "commit", "--quiet", "-am", "pr");
    String pr = git(origin, "rev-parse", "HEAD");
    git(origin, "update-ref", "refs/pull/1/head", pr);
    git(origin, "checkout", "--quiet", "main");
    git(origin, "branch", "--quiet", "-D", "topic");

    String out = checkout(pr);

    assertTrue(out.contains("slipway: recycling"), out);
    assertTrue(out.trim().endsWith("slipway: HEAD " + pr), out);
    assertEquals("pull request\n", Files.readString(copy.resolve("app.txt")));
  }

  @Test
  void firstCheckoutsAtOnceOnAHostWithoutFlockShareOneMirror() throws Exception {
    Path bin = Files.createTempDirectory(dir, "bin-without-flock");
    for (String tool :
        List.of("git", "mkdir", "rm", "mv", "du", "cut", "chmod", "find", "sleep", "rmdir")) {
      String found = ((String) onHost("command -v " + tool)[1]).strip();
      Files.createSymbolicLink(bin.resolve(tool), Path.of(found));
    }
    Path race = Files.createTempDirectory(dir, "race");
    String sharedMirror = race.resolve("mirrors/origin.git").toString();
    java.util.concurrent.ExecutorService threads =
        java.util.concurrent.Executors.newFixedThreadPool(4);
    List<java.util.concurrent.Future<Object[]>> runs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      String target = race.resolve("copies/c" + i).toString();
      String script = GitScripts.checkout(sharedMirror, target, origin.toUri().toString(), "main");
      runs.add(threads.submit(() -> onHost("env PATH=" + bin + " " + script)));
    }
    for (java.util.concurrent.Future<Object[]> run : runs) {
      Object[] r = run.get();
      assertEquals(0, r[0], r[1] + "\n" + r[2]);
    }
    threads.shutdown();
    assertFalse(Files.exists(Path.of(sharedMirror + ".lockdir")), "the lock is released");
    assertEquals("one\n", Files.readString(race.resolve("copies/c3/app.txt")));
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
}
