package dev.slipway.worker.artifact;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.slipway.platform.artifact.Artifact;
import dev.slipway.platform.artifact.ArtifactStore;
import dev.slipway.platform.artifact.DirectoryArtifactStore;
import dev.slipway.stack.TestSshHost;
import dev.slipway.worker.ssh.HostConnection;
import dev.slipway.worker.ssh.RealSshHostTest;
import dev.slipway.worker.ssh.TransferRefused;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.sshd.sftp.client.extensions.openssh.OpenSSHPosixRenameExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What artifact transfers promise, against a real SSH server's SFTP and a real {@link
 * DirectoryArtifactStore}: the copying of {@link ArtifactTransfers} ({@link ArtifactCopies}, which
 * needs no database; {@link ArtifactTransfersIT} covers the records and the build's limit). The
 * same tests for Apache SSHD in this JVM ({@link ApacheSshdArtifactTransfersIT}) and Debian's
 * OpenSSH ({@link OpenSshArtifactTransfersIT}). The host is this machine, so the tests look at its
 * files directly.
 */
abstract class ArtifactTransfersContract extends RealSshHostTest {

  static final long NO_LIMIT = Long.MAX_VALUE;

  static DirectoryArtifactStore store;
  static ArtifactCopies copies;

  /** Where the copies make their temporary directories: empty after every test. */
  static Path scratch;

  protected static void start(TestSshHost started, Path dir) {
    RealSshHostTest.start(started, dir);
    store = new DirectoryArtifactStore(dir.resolve("store"));
    try {
      scratch = Files.createDirectories(dir.resolve("scratch"));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    copies = new ArtifactCopies(connections, store, scratch);
  }

  /** The working directory on the host for one test. */
  Path base;

  String build;

  @BeforeEach
  void directories() throws IOException {
    String id = UUID.randomUUID().toString();
    base = Files.createDirectories(workDir.resolve("host").resolve(id));
    build = "bld-" + id;
  }

  @AfterEach
  void noTemporaryDirectoryIsLeft() throws IOException {
    try (Stream<Path> left = Files.list(scratch)) {
      assertEquals(List.of(), left.toList(), "temporary directories left behind");
    }
  }

  static HostConnection target() {
    return target(host, "res-artifacts-" + host.getClass().getSimpleName());
  }

  static final BooleanSupplier NEVER = () -> false;

  ArtifactCopies.Fetched fetch(String path, String name, long limit) throws Exception {
    return fetch(path, name, limit, NEVER);
  }

  ArtifactCopies.Fetched fetch(String path, String name, long limit, BooleanSupplier stop)
      throws Exception {
    return copies.fetch(
        target(), host.clientKeyPair(), base.toString(), path, build, name, limit, stop);
  }

  String deliver(Artifact artifact, String target) throws Exception {
    return deliver(artifact, target, NEVER);
  }

  String deliver(Artifact artifact, String target, BooleanSupplier stop) throws Exception {
    return copies.deliver(target(), host.clientKeyPair(), base.toString(), artifact, target, stop);
  }

  /** A stop that says true from its {@code n}th question on, counting them. */
  static final class StopAfter implements BooleanSupplier {
    final int n;
    int asked;

    StopAfter(int n) {
      this.n = n;
    }

    @Override
    public boolean getAsBoolean() {
      return ++asked >= n;
    }
  }

  /** The record {@link ArtifactTransfers} would keep for what {@code fetch} stored. */
  Artifact record(String name, ArtifactCopies.Fetched fetched) {
    return record(name, fetched.kind(), fetched.stored());
  }

  Artifact record(String name, String kind, ArtifactStore.Stored stored) {
    Artifact artifact = new Artifact();
    artifact.buildId = build;
    artifact.name = name;
    artifact.stepName = "step";
    artifact.kind = kind;
    artifact.sizeBytes = stored.sizeBytes();
    artifact.sha256 = stored.sha256();
    return artifact;
  }

  @Test
  void aFileComesBackByteIdenticalWithTheHostFilesSha256() throws Exception {
    byte[] content = new byte[3 * 1024 * 1024 + 17];
    new Random(42).nextBytes(content);
    Files.createDirectories(base.resolve("build"));
    Files.write(base.resolve("build/app.jar"), content);

    ArtifactCopies.Fetched fetched = fetch("build/app.jar", "app.jar", NO_LIMIT);

    assertEquals(Artifact.FILE, fetched.kind());
    assertEquals(content.length, fetched.stored().sizeBytes());
    assertEquals(
        sha256(Files.readAllBytes(base.resolve("build/app.jar"))), fetched.stored().sha256());
    assertArrayEquals(content, stored("app.jar"));

    String summary = deliver(record("app.jar", fetched), "deploy/lib/app.jar");

    assertArrayEquals(content, Files.readAllBytes(base.resolve("deploy/lib/app.jar")));
    assertEquals(
        "downloaded artifact app.jar ("
            + content.length
            + " bytes, sha256 "
            + fetched.stored().sha256().substring(0, 12)
            + "…) to deploy/lib/app.jar",
        summary);
  }

  @Test
  void aDirectoryComesBackAsTheSameTreeThroughATar() throws Exception {
    Path tree = Files.createDirectories(base.resolve("reports"));
    Files.createDirectories(tree.resolve("a/b/c"));
    Files.createDirectories(tree.resolve("empty-dir"));
    Files.writeString(tree.resolve("top.txt"), "top\n");
    Files.writeString(tree.resolve("a/b/c/deep.txt"), "deep\n");
    Files.writeString(tree.resolve("a/ünïcödé ✓.txt"), "unicode\n");
    Files.write(tree.resolve("a/b/empty"), new byte[0]);
    String longName = "n".repeat(120) + "/" + "m".repeat(150) + ".txt"; // beyond ustar's 100
    Files.createDirectories(tree.resolve(longName).getParent());
    Files.writeString(tree.resolve(longName), "long\n");

    ArtifactCopies.Fetched fetched = fetch("reports", "reports", NO_LIMIT);

    assertEquals(Artifact.DIRECTORY, fetched.kind());
    assertEquals(sha256(stored("reports")), fetched.stored().sha256());
    assertEquals(
        new TreeSet<>(
            List.of(
                "a/",
                "a/b/",
                "a/b/c/",
                "a/b/c/deep.txt",
                "a/b/empty",
                "a/ünïcödé ✓.txt",
                "empty-dir/",
                "n".repeat(120) + "/",
                longName,
                "top.txt")),
        tarEntries(stored("reports")));

    String summary = deliver(record("reports", fetched), "restored/reports");

    assertEquals(contents(tree), contents(base.resolve("restored/reports")));
    assertTrue(summary.startsWith("downloaded artifact reports (a directory of 5 files"), summary);
    assertTrue(summary.endsWith(" to restored/reports"), summary);
  }

  @Test
  void aGlobTakesOnlyItsMatchesWithTheirPathsInTheWorkingDirectory() throws Exception {
    Files.createDirectories(base.resolve("out/sub"));
    Files.writeString(base.resolve("out/a.txt"), "a");
    Files.writeString(base.resolve("out/b.txt"), "b");
    Files.writeString(base.resolve("out/c.log"), "c");
    Files.writeString(base.resolve("out/sub/d.txt"), "d");
    Files.writeString(base.resolve("top.txt"), "top");

    ArtifactCopies.Fetched texts = fetch("out/*.txt", "texts", NO_LIMIT);

    assertEquals(Artifact.DIRECTORY, texts.kind());
    assertEquals(Set.of("out/", "out/a.txt", "out/b.txt"), tarEntries(stored("texts")));

    ArtifactCopies.Fetched deep = fetch("**/*.txt", "deep", NO_LIMIT);
    assertEquals(
        Set.of("out/", "out/a.txt", "out/b.txt", "out/sub/", "out/sub/d.txt"),
        tarEntries(stored("deep")));

    // a matched directory comes with its whole tree
    ArtifactCopies.Fetched dirs = fetch("ou?/s*", "dirs", NO_LIMIT);
    assertEquals(Set.of("out/", "out/sub/", "out/sub/d.txt"), tarEntries(stored("dirs")));
    ArtifactCopies.Fetched sub = fetch("out/{sub,nothing}", "sub", NO_LIMIT);
    assertEquals(Set.of("out/", "out/sub/", "out/sub/d.txt"), tarEntries(stored("sub")));

    deliver(record("texts", texts), "got");
    assertEquals(
        Map.of("", "<dir>", "out", "<dir>", "out/a.txt", "a", "out/b.txt", "b"),
        contents(base.resolve("got")));
  }

  @Test
  void aGlobWithoutAMatchIsRefusedAndStoresNothing() throws Exception {
    TransferRefused none =
        assertThrows(TransferRefused.class, () -> fetch("build/*.jar", "jars", NO_LIMIT));
    assertEquals("no file on the host matches 'build/*.jar'", none.getMessage());

    Files.createDirectories(base.resolve("build"));
    Files.writeString(base.resolve("build/app.war"), "war");
    Files.writeString(base.resolve("build.jar"), "not in build/");
    TransferRefused stillNone =
        assertThrows(TransferRefused.class, () -> fetch("build/*.jar", "jars", NO_LIMIT));
    assertEquals("no file on the host matches 'build/*.jar'", stillNone.getMessage());
    assertThrows(NoSuchFileException.class, () -> store.open(build, "jars"));
    assertThrows(TransferRefused.class, () -> fetch("nope.txt", "nope", NO_LIMIT));
  }

  @Test
  void pathsOutsideTheWorkingDirectoryAreRefusedBothWays() throws Exception {
    String escape = "escaped-" + UUID.randomUUID();
    Files.writeString(base.getParent().resolve(escape + ".txt"), "outside");
    for (String path :
        List.of(
            "../" + escape + ".txt",
            "a/../../" + escape + ".txt",
            "/etc/hostname",
            base.getParent().resolve(escape + ".txt").toString(),
            "../*.txt",
            "/etc/*",
            "./x",
            "")) {
      TransferRefused refused =
          assertThrows(TransferRefused.class, () -> fetch(path, "escape", NO_LIMIT), path);
      assertTrue(refused.getMessage().contains(path), refused.getMessage());
    }
    assertThrows(NoSuchFileException.class, () -> store.open(build, "escape"));

    Files.writeString(base.resolve("f.txt"), "f");
    Artifact artifact = record("f.txt", fetch("f.txt", "f.txt", NO_LIMIT));
    for (String target : List.of("../" + escape, "a/../../" + escape, "/tmp/" + escape)) {
      TransferRefused refused =
          assertThrows(TransferRefused.class, () -> deliver(artifact, target), target);
      assertTrue(refused.getMessage().contains(target), refused.getMessage());
    }
    assertFalse(Files.exists(base.getParent().resolve(escape)));
    assertFalse(Files.exists(Path.of("/tmp", escape)));
  }

  @Test
  void symbolicLinksLeavingTheWorkingDirectoryAreRefused() throws Exception {
    Path outside = Files.createDirectories(workDir.resolve("outside-" + UUID.randomUUID()));
    Files.writeString(outside.resolve("secret.txt"), "secret");
    Files.createSymbolicLink(base.resolve("link"), outside);
    Files.createDirectories(base.resolve("dist"));
    Files.writeString(base.resolve("dist/ok.txt"), "ok");
    Files.createSymbolicLink(base.resolve("dist/planted"), outside.resolve("secret.txt"));

    for (String path : List.of("link/secret.txt", "link", "link/*.txt", "dist", "dist/*", "*")) {
      assertThrows(TransferRefused.class, () -> fetch(path, "leak", NO_LIMIT), path);
    }
    assertThrows(NoSuchFileException.class, () -> store.open(build, "leak"));

    // the link is never followed: a glob that does not match it takes the rest
    ArtifactCopies.Fetched texts = fetch("dist/*.txt", "texts", NO_LIMIT);
    assertEquals(Set.of("dist/", "dist/ok.txt"), tarEntries(stored("texts")));

    Files.writeString(base.resolve("f.txt"), "f");
    Artifact artifact = record("f.txt", fetch("f.txt", "f.txt", NO_LIMIT));
    assertThrows(TransferRefused.class, () -> deliver(artifact, "link/planted.txt"));
    assertFalse(Files.exists(outside.resolve("planted.txt")));
  }

  @Test
  void whatPassesTheLimitIsRefusedAndStoresNothing() throws Exception {
    Files.write(base.resolve("big.bin"), new byte[200_000]);
    TransferRefused big =
        assertThrows(TransferRefused.class, () -> fetch("big.bin", "big.bin", 100_000));
    assertTrue(big.getMessage().contains("100000"), big.getMessage());
    assertThrows(NoSuchFileException.class, () -> store.open(build, "big.bin"));
    assertEquals(200_000, fetch("big.bin", "big.bin", 200_000).stored().sizeBytes());

    // the files fit, their tar (headers, padding) does not: 10 * (512 + 2) + 10000 bytes fit
    // while downloading, the tar has 16384
    Files.createDirectories(base.resolve("many"));
    for (int i = 0; i < 10; i++) {
      Files.write(base.resolve("many/f" + i), new byte[1000]);
    }
    TransferRefused tar = assertThrows(TransferRefused.class, () -> fetch("many", "many", 16_000));
    assertTrue(tar.getMessage().contains("is a tar of 16384 bytes"), tar.getMessage());
    // with their entries counted, not even the files fit
    TransferRefused entries =
        assertThrows(TransferRefused.class, () -> fetch("many", "many", 12_000));
    assertTrue(entries.getMessage().contains("passed its limit"), entries.getMessage());
    assertThrows(NoSuchFileException.class, () -> store.open(build, "many"));

    // a glob's matches count together
    Files.createDirectories(base.resolve("parts"));
    for (int i = 0; i < 3; i++) {
      Files.write(base.resolve("parts/p" + i + ".bin"), new byte[40_000]);
    }
    assertThrows(TransferRefused.class, () -> fetch("parts/*.bin", "parts", 100_000));
    assertThrows(NoSuchFileException.class, () -> store.open(build, "parts"));

    // a refused replacement leaves the artifact it would have replaced
    Files.writeString(base.resolve("small.txt"), "small");
    ArtifactCopies.Fetched kept = fetch("small.txt", "report", 100_000);
    assertThrows(TransferRefused.class, () -> fetch("big.bin", "report", 100_000));
    assertEquals(kept.stored().sha256(), sha256(stored("report")));
  }

  @Test
  void aTarWhoseEntriesLeaveTheirDirectoryIsRefusedAndPutsNothingOnTheHost() throws Exception {
    String evil = "evil-" + UUID.randomUUID();
    List<List<TarArchiveEntry>> tars = new ArrayList<>();
    tars.add(List.of(file("ok.txt", 2), file("../" + evil, 2)));
    tars.add(List.of(file("ok.txt", 2), file("a/../../" + evil, 2)));
    TarArchiveEntry absolute = new TarArchiveEntry("/tmp/" + evil, true);
    absolute.setSize(2);
    tars.add(List.of(absolute));
    TarArchiveEntry symlink = new TarArchiveEntry("link", TarConstants.LF_SYMLINK);
    symlink.setLinkName(workDir.toString());
    tars.add(List.of(symlink, file("link/" + evil, 2)));
    TarArchiveEntry hardLink = new TarArchiveEntry("hard", TarConstants.LF_LINK);
    hardLink.setLinkName("/etc/passwd");
    tars.add(List.of(hardLink));
    TarArchiveEntry fifo = new TarArchiveEntry("fifo", TarConstants.LF_FIFO);
    tars.add(List.of(fifo));

    for (List<TarArchiveEntry> entries : tars) {
      Path blob = Files.createTempFile(workDir, "crafted", ".tar");
      try (OutputStream out = Files.newOutputStream(blob);
          TarArchiveOutputStream tar = new TarArchiveOutputStream(out, "UTF-8")) {
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        for (TarArchiveEntry entry : entries) {
          tar.putArchiveEntry(entry);
          if (entry.getSize() > 0) {
            tar.write("x\n".getBytes(StandardCharsets.US_ASCII));
          }
          tar.closeArchiveEntry();
        }
      }
      Artifact crafted = record("crafted", Artifact.DIRECTORY, store.put(build, "crafted", blob));

      TransferRefused refused =
          assertThrows(
              TransferRefused.class, () -> deliver(crafted, "unpacked"), entries.toString());
      assertTrue(refused.getMessage().contains("crafted"), refused.getMessage());
      assertFalse(Files.exists(base.resolve("unpacked")), "something reached the host");
    }
    assertFalse(Files.exists(base.getParent().resolve(evil)));
    assertFalse(Files.exists(base.resolve(evil)));
    assertFalse(Files.exists(workDir.resolve(evil)));
    assertFalse(Files.exists(Path.of("/tmp", evil)));
  }

  @Test
  void aCorruptedBlobIsNeverHandedOn() throws Exception {
    byte[] content = "the real bytes\n".getBytes(StandardCharsets.UTF_8);
    Files.write(base.resolve("app.bin"), content);
    Artifact artifact = record("app.bin", fetch("app.bin", "app.bin", NO_LIMIT));
    Path blob = store.directory().resolve(build).resolve("app.bin");
    byte[] corrupted = content.clone();
    corrupted[3] ^= 1; // same size, other bytes
    Files.write(blob, corrupted);

    ArtifactStoreFailure failure =
        assertThrows(ArtifactStoreFailure.class, () -> deliver(artifact, "got.bin"));
    assertTrue(failure.getMessage().contains("corrupt"), failure.getMessage());
    assertTrue(failure.getMessage().contains(artifact.sha256), failure.getMessage());
    assertFalse(Files.exists(base.resolve("got.bin")));

    Files.write(blob, "the real bytes and more\n".getBytes(StandardCharsets.UTF_8));
    assertThrows(ArtifactStoreFailure.class, () -> deliver(artifact, "got.bin"));
    Files.delete(blob);
    ArtifactStoreFailure missing =
        assertThrows(ArtifactStoreFailure.class, () -> deliver(artifact, "got.bin"));
    assertTrue(missing.getMessage().contains("missing"), missing.getMessage());
    assertFalse(Files.exists(base.resolve("got.bin")));
  }

  @Test
  void theTargetDefaultsToTheArtifactsName() throws Exception {
    Files.writeString(base.resolve("notes.md"), "notes");
    Artifact notes = record("notes-file", fetch("notes.md", "notes-file", NO_LIMIT));
    Files.createDirectories(base.resolve("site/css"));
    Files.writeString(base.resolve("site/index.html"), "<html>");
    Files.writeString(base.resolve("site/css/main.css"), "body{}");
    Artifact site = record("site-tree", fetch("site", "site-tree", NO_LIMIT));

    assertTrue(deliver(notes, null).endsWith(" to notes-file"));
    assertTrue(deliver(site, " ").endsWith(" to site-tree"));

    assertEquals("notes", Files.readString(base.resolve("notes-file")));
    assertEquals(contents(base.resolve("site")), contents(base.resolve("site-tree")));
  }

  @Test
  void aDownloadReplacesFilesAndKeepsOthers() throws Exception {
    Files.createDirectories(base.resolve("site"));
    Files.writeString(base.resolve("site/index.html"), "new");
    Artifact site = record("site", fetch("site", "site", NO_LIMIT));
    Files.createDirectories(base.resolve("deployed"));
    Files.writeString(base.resolve("deployed/index.html"), "old and longer");
    Files.writeString(base.resolve("deployed/keep.txt"), "keep");

    deliver(site, "deployed");

    assertEquals(
        Map.of("", "<dir>", "index.html", "new", "keep.txt", "keep"),
        contents(base.resolve("deployed")));
  }

  @Test
  void badArtifactNamesAreRefusedBeforeAnythingMoves() {
    for (String name : new String[] {"../x", "a/b", ".hidden", ""}) {
      assertThrows(TransferRefused.class, () -> fetch("f.txt", name, NO_LIMIT), name);
    }
  }

  // ---- bounds, determinism, locale, replacing -------------------------------------------------

  @Test
  void aGlobThatWouldMakeJavasMatcherBacktrackIsMatchedInAnInstant() throws Exception {
    Files.createDirectories(base.resolve("names"));
    Files.writeString(base.resolve("names/" + "a".repeat(121)), "a");

    TransferRefused none =
        assertTimeoutPreemptively(
            Duration.ofSeconds(10),
            () ->
                assertThrows(
                    TransferRefused.class,
                    () -> fetch("names/*a*a*a*a*a*a*b", "pinned", NO_LIMIT)));

    assertEquals("no file on the host matches 'names/*a*a*a*a*a*a*b'", none.getMessage());
    TransferRefused tooLong =
        assertThrows(
            TransferRefused.class, () -> fetch("names/" + "*a".repeat(130), "long", NO_LIMIT));
    assertTrue(tooLong.getMessage().contains("more than 256"), tooLong.getMessage());
  }

  @Test
  void aTreeDeeperThan64LevelsIsRefusedWhetherCopiedOrGlobbed() throws Exception {
    Path bottom = base.resolve("deep");
    for (int i = 0; i < 70; i++) {
      bottom = bottom.resolve("d");
    }
    Files.createDirectories(bottom);
    Files.writeString(bottom.resolve("bottom.txt"), "x");

    TransferRefused tree =
        assertThrows(TransferRefused.class, () -> fetch("deep", "deep", NO_LIMIT));
    assertTrue(tree.getMessage().contains("64 levels"), tree.getMessage());
    TransferRefused globbed =
        assertThrows(TransferRefused.class, () -> fetch("deep/**/bottom.txt", "deep", NO_LIMIT));
    assertTrue(globbed.getMessage().contains("64 levels"), globbed.getMessage());
    assertThrows(NoSuchFileException.class, () -> store.open(build, "deep"));

    // 64 levels below the copied directory are fine
    Path fine = base.resolve("fine");
    for (int i = 0; i < 63; i++) {
      fine = fine.resolve("d");
    }
    Files.createDirectories(fine);
    Files.writeString(fine.resolve("bottom.txt"), "x");
    assertEquals(Artifact.DIRECTORY, fetch("fine", "fine", NO_LIMIT).kind());
  }

  @Test
  void emptyFilesAndDirectoriesCountAgainstTheLimitWhileDownloading() throws Exception {
    Path empties = Files.createDirectories(base.resolve("empties"));
    Path dirs = Files.createDirectories(base.resolve("dirs"));
    for (int i = 0; i < 150; i++) {
      Files.createFile(empties.resolve("e" + i));
      Files.createDirectory(dirs.resolve("d" + i));
    }

    // 150 * (512 + 4) bytes
    for (String path : List.of("empties", "dirs", "empties/*", "dirs/*")) {
      TransferRefused refused =
          assertThrows(TransferRefused.class, () -> fetch(path, "flood", 50_000), path);
      assertTrue(refused.getMessage().contains("passed its limit"), refused.getMessage());
      assertTrue(refused.getMessage().contains("512 bytes"), refused.getMessage());
    }
    assertThrows(NoSuchFileException.class, () -> store.open(build, "flood"));
    assertEquals(Artifact.DIRECTORY, fetch("empties", "flood", 100_000).kind());
  }

  @Test
  void aDirectoryOfMoreThan100000EntriesIsRefusedAsItIsListed() throws Exception {
    Path crowd = Files.createDirectories(base.resolve("crowd"));
    for (int i = 0; i <= 100_000; i++) {
      Files.createFile(crowd.resolve(Integer.toString(i)));
    }

    TransferRefused tree =
        assertTimeoutPreemptively(
            Duration.ofSeconds(60),
            () -> assertThrows(TransferRefused.class, () -> fetch("crowd", "crowd", NO_LIMIT)));
    assertTrue(tree.getMessage().contains("100000"), tree.getMessage());
    TransferRefused globbed =
        assertTimeoutPreemptively(
            Duration.ofSeconds(60),
            () -> assertThrows(TransferRefused.class, () -> fetch("crowd/*.x", "crowd", NO_LIMIT)));
    assertTrue(globbed.getMessage().contains("100000"), globbed.getMessage());
  }

  @Test
  void aStoppedCopyStopsAtOnceAndLeavesNothingBehind() throws Exception {
    Path tree = Files.createDirectories(base.resolve("tree/sub"));
    for (int i = 0; i < 20; i++) {
      Files.writeString(tree.resolve("f" + i + ".txt"), "file " + i);
    }
    Files.write(base.resolve("tree/big.bin"), new byte[1024 * 1024]);
    Files.writeString(base.resolve("single.txt"), "single");

    // a copy asks once per entry and per buffer: stopped at its first, middle or last question,
    // it stores nothing
    for (String path : List.of("tree", "tree/**", "single.txt", "tree/big.bin")) {
      StopAfter counting = new StopAfter(Integer.MAX_VALUE);
      fetch(path, "counted", NO_LIMIT, counting);
      assertTrue(counting.asked >= 3, path + ": asked " + counting.asked);
      for (int after : new int[] {1, counting.asked / 2, counting.asked}) {
        StopAfter stop = new StopAfter(after);
        TransferRefused stopped =
            assertThrows(
                TransferRefused.class,
                () -> fetch(path, "stopped", NO_LIMIT, stop),
                path + " after " + after);
        assertTrue(stopped.getMessage().startsWith("stopped: "), stopped.getMessage());
        assertEquals(after, stop.asked, "asked on after it said stop");
        assertThrows(NoSuchFileException.class, () -> store.open(build, "stopped"));
      }
    }

    Artifact artifact = record("tree", fetch("tree", "tree", NO_LIMIT));
    StopAfter counting = new StopAfter(Integer.MAX_VALUE);
    deliver(artifact, "counted", counting);
    assertTrue(counting.asked >= 22, "asked " + counting.asked);
    for (int after : new int[] {1, counting.asked / 2, counting.asked}) {
      String target = "delivered-" + after;
      TransferRefused stopped =
          assertThrows(
              TransferRefused.class, () -> deliver(artifact, target, new StopAfter(after)));
      assertTrue(stopped.getMessage().startsWith("stopped: "), stopped.getMessage());
    }
    try (Stream<Path> all = Files.walk(base)) {
      assertEquals(
          List.of(),
          all.filter(p -> p.getFileName().toString().startsWith(".slipway-")).toList(),
          "temporary files left on the host");
    }
  }

  @Test
  void aDirectoryFetchedTwiceMakesTheSameTarByteForByte() throws Exception {
    Path tree = Files.createDirectories(base.resolve("same/a/b"));
    Files.writeString(tree.resolve("x.txt"), "x");
    Files.writeString(base.resolve("same/ünïcödé ✓.txt"), "unicode");
    Files.writeString(base.resolve("same/" + "l".repeat(150) + ".txt"), "long");
    Files.createDirectories(base.resolve("same/empty"));

    ArtifactCopies.Fetched first = fetch("same", "first", NO_LIMIT);
    Thread.sleep(1_100); // a tar dated at its making would differ now
    Files.setLastModifiedTime(
        tree.resolve("x.txt"), java.nio.file.attribute.FileTime.from(Instant.now()));
    ArtifactCopies.Fetched second = fetch("same", "second", NO_LIMIT);
    ArtifactCopies.Fetched globbed = fetch("same/**", "globbed", NO_LIMIT);
    Thread.sleep(1_100);
    ArtifactCopies.Fetched globbedAgain = fetch("same/**", "globbed-again", NO_LIMIT);

    assertEquals(first.stored().sha256(), second.stored().sha256());
    assertArrayEquals(stored("first"), stored("second"));
    assertEquals(globbed.stored().sha256(), globbedAgain.stored().sha256());
    try (TarArchiveInputStream in =
        new TarArchiveInputStream(new java.io.ByteArrayInputStream(stored("first")), "UTF-8")) {
      TarArchiveEntry entry;
      while ((entry = in.getNextEntry()) != null) {
        assertEquals(Instant.parse("2000-01-01T00:00:00Z"), entry.getModTime().toInstant());
        assertEquals(0, entry.getLongUserId(), entry.getName());
        assertEquals(0, entry.getLongGroupId(), entry.getName());
        assertEquals("", entry.getUserName(), entry.getName());
        assertEquals("", entry.getGroupName(), entry.getName());
      }
    }
  }

  @Test
  void aNameTheRunnersLocaleCannotHoldIsRefusedNamingIt() throws Exception {
    Files.createDirectories(base.resolve("tree"));
    Files.writeString(base.resolve("tree/plain.txt"), "plain");
    Files.writeString(base.resolve("tree/café.txt"), "café");
    String id = UUID.randomUUID().toString();
    Path key = Files.writeString(workDir.resolve("key-" + id), host.clientPrivateKeyPem());
    Path result = workDir.resolve("c-locale-" + id + ".txt");
    Path childScratch = Files.createDirectories(workDir.resolve("c-locale-scratch-" + id));
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder child =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                CLocaleFetch.class.getName(),
                Integer.toString(host.port()),
                host.hostPublicKey(),
                key.toString(),
                base.toString(),
                "tree",
                workDir.resolve("c-locale-store").toString(),
                childScratch.toString(),
                result.toString())
            .redirectErrorStream(true)
            .redirectOutput(workDir.resolve("c-locale-" + id + ".log").toFile());
    child.environment().keySet().removeIf(name -> name.equals("LANG") || name.startsWith("LC_"));
    child.environment().put("LC_ALL", "C");
    Process process = child.start();
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the C-locale runner did not finish");
    assertTrue(
        Files.exists(result),
        "no result; its log: " + Files.readString(workDir.resolve("c-locale-" + id + ".log")));
    String outcome = Files.readString(result, StandardCharsets.UTF_8);
    assumeFalse(outcome.startsWith("jnu=UTF-8"), "this JVM ignores LC_ALL=C: " + outcome);

    assertTrue(outcome.contains("\nrefused: "), outcome);
    assertTrue(outcome.contains("tree/café.txt"), outcome);
    assertTrue(outcome.contains("UTF-8"), outcome);
    try (Stream<Path> left = Files.list(childScratch)) {
      assertEquals(List.of(), left.toList(), "temporary directories left behind");
    }
  }

  @Test
  void aDownloadRenamesEachNewFileIntoPlaceLeavingNothingElse() throws Exception {
    Files.createDirectories(base.resolve("site"));
    Files.writeString(base.resolve("site/index.html"), "new page");
    Artifact site = record("site", fetch("site", "site", NO_LIMIT));
    Files.writeString(base.resolve("single.txt"), "new single");
    Artifact single = record("single.txt", fetch("single.txt", "single.txt", NO_LIMIT));
    Path deployed = Files.createDirectories(base.resolve("deployed"));
    Path index = Files.writeString(deployed.resolve("index.html"), "old page, longer than the new");
    Path copy = Files.writeString(base.resolve("copy.txt"), "old single, longer than the new");
    Object indexNode = Files.getAttribute(index, "unix:ino");
    Object copyNode = Files.getAttribute(copy, "unix:ino");

    try (InputStream oldIndex = Files.newInputStream(index);
        InputStream oldCopy = Files.newInputStream(copy)) {
      deliver(site, "deployed");
      deliver(single, "copy.txt");

      // who had the old file open reads all of the old file: the new one is another file
      assertEquals("old page, longer than the new", new String(oldIndex.readAllBytes()));
      assertEquals("old single, longer than the new", new String(oldCopy.readAllBytes()));
    }
    // atomically so: both servers have posix-rename@openssh.com (no remove, then rename); a host
    // without SFTP gets mv, a rename(2)
    org.apache.sshd.sftp.client.SftpClient sftp = connections.sftp(target(), host.clientKeyPair());
    assertTrue(sftp == null || sftp.getExtension(OpenSSHPosixRenameExtension.class).isSupported());
    assertNotEquals(indexNode, Files.getAttribute(index, "unix:ino"));
    assertNotEquals(copyNode, Files.getAttribute(copy, "unix:ino"));
    assertEquals(Map.of("", "<dir>", "index.html", "new page"), contents(base.resolve("deployed")));
    assertEquals("new single", Files.readString(copy));
    try (Stream<Path> all = Files.list(base)) {
      assertEquals(
          Set.of("copy.txt", "deployed", "single.txt", "site"),
          new TreeSet<>(all.map(p -> p.getFileName().toString()).toList()),
          "temporary files left on the host");
    }
  }

  @Test
  void twoRunnersDeliveringTheSameArtifactAtOnceBothSucceed() throws Exception {
    Path tree = Files.createDirectories(base.resolve("tree/a/b/c"));
    Files.writeString(tree.resolve("deep.txt"), "deep");
    Files.writeString(base.resolve("tree/top.txt"), "top");
    Artifact artifact = record("tree", fetch("tree", "tree", NO_LIMIT));
    var otherConnections = connect();
    ArtifactCopies other = new ArtifactCopies(otherConnections, store, scratch);
    ExecutorService two = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 5; round++) {
        String target = "twice-" + round + "/out";
        CyclicBarrier together = new CyclicBarrier(2);
        List<Future<String>> both = new ArrayList<>();
        for (ArtifactCopies runner : List.of(copies, other)) {
          both.add(
              two.submit(
                  () -> {
                    together.await();
                    return runner.deliver(
                        target(), host.clientKeyPair(), base.toString(), artifact, target, NEVER);
                  }));
        }
        for (Future<String> one : both) {
          one.get(60, TimeUnit.SECONDS);
        }
        assertEquals(contents(base.resolve("tree")), contents(base.resolve(target)));
      }
    } finally {
      two.shutdownNow();
      otherConnections.close();
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  static TarArchiveEntry file(String name, long size) {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setSize(size);
    return entry;
  }

  byte[] stored(String name) throws IOException {
    try (InputStream in = store.open(build, name)) {
      return in.readAllBytes();
    }
  }

  static Set<String> tarEntries(byte[] tar) throws IOException {
    Set<String> names = new TreeSet<>();
    try (TarArchiveInputStream in =
        new TarArchiveInputStream(new java.io.ByteArrayInputStream(tar), "UTF-8")) {
      TarArchiveEntry entry;
      while ((entry = in.getNextEntry()) != null) {
        names.add(entry.getName());
      }
    }
    return names;
  }

  static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  /** Every file and directory under {@code root}: relative path → content ("<dir>" for dirs). */
  static Map<String, String> contents(Path root) throws IOException {
    Map<String, String> all = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.toList()) {
        all.put(
            root.relativize(p).toString(), Files.isDirectory(p) ? "<dir>" : Files.readString(p));
      }
    }
    return all;
  }
}
