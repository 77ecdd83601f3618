package dev.slipway.worker.artifact;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.platform.artifact.Artifact;
import dev.slipway.platform.artifact.ArtifactConfig;
import dev.slipway.platform.artifact.ArtifactStore;
import dev.slipway.platform.artifact.Artifacts;
import dev.slipway.platform.artifact.DirectoryArtifactStore;
import dev.slipway.stack.RealServices;
import dev.slipway.stack.SshTestHost;
import dev.slipway.worker.ssh.HostConnection;
import dev.slipway.worker.ssh.TransferRefused;
import io.quarkus.arc.ClientProxy;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ArtifactTransfers} as the runner gets it, in Quarkus, with a real PostgreSQL (the {@code
 * artifacts} table), the {@link DirectoryArtifactStore} in a directory of this test's own and an
 * Apache SSHD host: what is recorded, the build's byte limit over all its artifacts, unknown
 * artifacts. The copying itself is {@link ArtifactTransfersContract}'s.
 *
 * <p>Its settings come from {@link SmallStore}, a test resource (global, as every {@code
 * QuarkusTestResource}: every Quarkus test of this module runs with them, in one application), not
 * from a test profile: a profile restarts Quarkus in the same JVM, and the EdDSA classes of the SSH
 * test host then come from two class loaders ({@code ClassCastException: EdDSAPrivateKey cannot be
 * cast to EdDSAPrivateKey}).
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@QuarkusTestResource(ArtifactTransfersIT.SmallStore.class)
class ArtifactTransfersIT {

  static final long LIMIT = 300_000;

  /**
   * The store in a directory of its own ({@code slipway-artifacts-it*} under {@code
   * java.io.tmpdir}), at most {@link #LIMIT} bytes a build.
   */
  public static class SmallStore implements QuarkusTestResourceLifecycleManager {

    static final String PREFIX = "slipway-artifacts-it";

    @Override
    public Map<String, String> start() {
      try {
        return Map.of(
            "slipway.artifacts.directory",
            Files.createTempDirectory(PREFIX).toString(),
            "slipway.artifacts.max-bytes-per-build",
            Long.toString(LIMIT));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void stop() {
      // the directory stays, as the test database does
    }
  }

  static SshTestHost host;
  static Path hostDir;

  @Inject ArtifactTransfers transfers;
  @Inject Artifacts artifacts;
  @Inject ArtifactStore store;
  @Inject ArtifactConfig config;
  @Inject EntityManager entityManager;

  Path base;
  String build;

  @BeforeAll
  static void startHost() throws Exception {
    hostDir = Files.createTempDirectory("artifact-host");
    host = SshTestHost.start(hostDir);
  }

  @AfterAll
  static void stopHost() throws Exception {
    host.close();
  }

  @BeforeEach
  void buildAndDirectory() throws IOException {
    String id = UUID.randomUUID().toString();
    base = Files.createDirectories(hostDir.resolve("work").resolve(id));
    build = "bld-" + id;
    QuarkusTransaction.requiringNew()
        .run(
            () ->
                entityManager
                    .createNativeQuery(
                        "insert into builds (id, plan_name, plan_yaml, status)"
                            + " values (?1, 'p', '', 'running')")
                    .setParameter(1, build)
                    .executeUpdate());
  }

  HostConnection target() {
    return new HostConnection(
        "res-artifacts-it",
        host.address(),
        host.port(),
        host.user(),
        "cred-test",
        host.hostPublicKey(),
        "linux");
  }

  Artifact upload(String path, String name) throws Exception {
    return transfers.upload(
        target(), host.clientKeyPair(), base.toString(), path, build, "publish", name, () -> false);
  }

  String download(String name, String target) throws Exception {
    return transfers.download(
        target(), host.clientKeyPair(), base.toString(), build, name, target, () -> false);
  }

  @Test
  void theStoreIsTheConfiguredDirectory() {
    assertEquals(LIMIT, config.maxBytesPerBuild());
    DirectoryArtifactStore directory =
        assertInstanceOf(DirectoryArtifactStore.class, ClientProxy.unwrap(store));
    assertEquals(Path.of(config.directory()).toAbsolutePath(), directory.directory());
    assertTrue(
        directory.directory().getFileName().toString().startsWith(SmallStore.PREFIX),
        directory.directory().toString());
  }

  @Test
  void anUploadIsRecordedAndComesBackWhereItIsDownloaded() throws Exception {
    byte[] content = new byte[100_000];
    new Random(3).nextBytes(content);
    Files.createDirectories(base.resolve("build"));
    Files.write(base.resolve("build/app.jar"), content);

    Artifact uploaded = upload("build/app.jar", "app.jar");

    assertEquals(build, uploaded.buildId);
    assertEquals("app.jar", uploaded.name);
    assertEquals("publish", uploaded.stepName);
    assertEquals(Artifact.FILE, uploaded.kind);
    assertEquals(content.length, uploaded.sizeBytes);
    assertEquals(sha256(content), uploaded.sha256);
    Artifact recorded = artifacts.find(build, "app.jar").orElseThrow();
    assertEquals(uploaded.sha256, recorded.sha256);
    assertEquals(uploaded.sizeBytes, recorded.sizeBytes);
    assertArrayEquals(
        content, Files.readAllBytes(Path.of(config.directory()).resolve(build).resolve("app.jar")));

    String summary = download("app.jar", null);

    assertArrayEquals(content, Files.readAllBytes(base.resolve("app.jar")));
    assertEquals(
        "downloaded artifact app.jar (100000 bytes, sha256 "
            + uploaded.sha256.substring(0, 12)
            + "…) to app.jar",
        summary);

    Files.createDirectories(base.resolve("out/nested"));
    Files.writeString(base.resolve("out/a.txt"), "a");
    Files.writeString(base.resolve("out/nested/b.txt"), "b");
    Files.writeString(base.resolve("out/c.log"), "c");
    Artifact texts = upload("out/**.txt", "texts");
    assertEquals(Artifact.DIRECTORY, texts.kind);
    download("texts", "unpacked");
    assertEquals("a", Files.readString(base.resolve("unpacked/out/a.txt")));
    assertEquals("b", Files.readString(base.resolve("unpacked/out/nested/b.txt")));
    assertFalse(Files.exists(base.resolve("unpacked/out/c.log")));
    assertEquals(
        List.of("app.jar", "texts"), artifacts.of(build).stream().map(a -> a.name).toList());
  }

  @Test
  void allOfABuildsArtifactsTogetherStayWithinTheLimit() throws Exception {
    Files.write(base.resolve("two-hundred.bin"), new byte[200_000]);
    Files.write(base.resolve("hundred-fifty.bin"), new byte[150_000]);
    Files.write(base.resolve("two-fifty.bin"), new byte[250_000]);
    Files.write(base.resolve("four-hundred.bin"), new byte[400_000]);
    upload("two-hundred.bin", "first");

    TransferRefused refused =
        assertThrows(TransferRefused.class, () -> upload("hundred-fifty.bin", "second"));
    assertTrue(refused.getMessage().contains("100000"), refused.getMessage());
    assertTrue(artifacts.find(build, "second").isEmpty(), "the refused upload was recorded");
    assertThrows(NoSuchFileException.class, () -> store.open(build, "second"));

    // an artifact replaced by the upload does not count against it
    Artifact replaced = upload("two-fifty.bin", "first");
    assertEquals(250_000, replaced.sizeBytes);
    assertEquals(250_000, artifacts.find(build, "first").orElseThrow().sizeBytes);
    assertThrows(TransferRefused.class, () -> upload("four-hundred.bin", "first"));
    assertEquals(250_000, artifacts.find(build, "first").orElseThrow().sizeBytes);
    try (InputStream in = store.open(build, "first")) {
      assertEquals(250_000, in.readAllBytes().length);
    }

    // another build has a limit of its own
    String other = build;
    buildAndDirectory();
    Files.write(base.resolve("two-hundred.bin"), new byte[200_000]);
    upload("two-hundred.bin", "first");
    assertEquals(250_000, artifacts.bytesOf(other, ""));
  }

  @Test
  void anUnknownArtifactIsRefusedNamingIt() {
    TransferRefused refused =
        assertThrows(TransferRefused.class, () -> download("never-uploaded.zip", "x"));
    assertTrue(refused.getMessage().contains("never-uploaded.zip"), refused.getMessage());
    assertTrue(refused.getMessage().contains(build), refused.getMessage());
    assertFalse(Files.exists(base.resolve("x")));
  }

  @Test
  void aRefusedUploadRecordsNothing() throws Exception {
    Files.writeString(base.resolve("f.txt"), "f");
    assertThrows(TransferRefused.class, () -> upload("../f.txt", "escape"));
    assertThrows(TransferRefused.class, () -> upload("nothing/*.txt", "none"));
    assertTrue(artifacts.of(build).isEmpty());
  }

  @Test
  void aStoppedCopyRecordsNothing() throws Exception {
    Files.writeString(base.resolve("f.txt"), "f");
    TransferRefused stopped =
        assertThrows(
            TransferRefused.class,
            () ->
                transfers.upload(
                    target(),
                    host.clientKeyPair(),
                    base.toString(),
                    "f.txt",
                    build,
                    "publish",
                    "stopped",
                    () -> true));
    assertTrue(stopped.getMessage().startsWith("stopped: "), stopped.getMessage());
    assertTrue(artifacts.of(build).isEmpty());
    upload("f.txt", "f.txt");
    TransferRefused notDelivered =
        assertThrows(
            TransferRefused.class,
            () ->
                transfers.download(
                    target(),
                    host.clientKeyPair(),
                    base.toString(),
                    build,
                    "f.txt",
                    "got.txt",
                    () -> true));
    assertTrue(notDelivered.getMessage().startsWith("stopped: "), notDelivered.getMessage());
    assertFalse(Files.exists(base.resolve("got.txt")));
  }

  @Test
  void runnersRecordingTheSameArtifactAtOnceAllSucceed() throws Exception {
    ExecutorService runners = Executors.newFixedThreadPool(4);
    try {
      for (int round = 0; round < 20; round++) {
        String name = "raced-" + round;
        CyclicBarrier together = new CyclicBarrier(4);
        List<Future<Artifact>> all = new ArrayList<>();
        for (int runner = 0; runner < 4; runner++) {
          String sha = String.format("%064x", runner);
          all.add(
              runners.submit(
                  () -> {
                    together.await();
                    return artifacts.record(
                        build,
                        name,
                        "publish",
                        Artifact.FILE,
                        new ArtifactStore.Stored(100 + round(name), sha));
                  }));
        }
        for (Future<Artifact> one : all) {
          one.get(30, TimeUnit.SECONDS);
        }
        Artifact recorded = artifacts.find(build, name).orElseThrow();
        assertEquals(100 + round(name), recorded.sizeBytes);
      }
      assertEquals(20, artifacts.of(build).size());
    } finally {
      runners.shutdownNow();
    }
  }

  private static int round(String name) {
    return Integer.parseInt(name.substring(name.indexOf('-') + 1));
  }

  static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
