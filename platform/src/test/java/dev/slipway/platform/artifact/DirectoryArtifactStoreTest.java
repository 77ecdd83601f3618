package dev.slipway.platform.artifact;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryArtifactStoreTest {

  static final String BUILD = "bld-3f2c9a4e-8d1b-4c55-9e0a-1b2c3d4e5f60";

  @TempDir Path temp;

  Path root;
  DirectoryArtifactStore store;

  @BeforeEach
  void store() {
    root = temp.resolve("store");
    store = new DirectoryArtifactStore(root);
  }

  @Test
  void putKeepsTheBytesUnderBuildAndNameWithTheirSizeAndSha256() throws Exception {
    byte[] content = new byte[300_000]; // several copy buffers
    new Random(7).nextBytes(content);
    Path blob = Files.write(temp.resolve("app.jar"), content);

    ArtifactStore.Stored stored = store.put(BUILD, "app.jar", blob);

    assertEquals(content.length, stored.sizeBytes());
    assertEquals(sha256(content), stored.sha256());
    assertArrayEquals(content, Files.readAllBytes(root.resolve(BUILD).resolve("app.jar")));
    try (InputStream in = store.open(BUILD, "app.jar")) {
      assertArrayEquals(content, in.readAllBytes());
    }
    assertArrayEquals(content, Files.readAllBytes(blob), "the source is left as it was");
  }

  @Test
  void anEmptyBlobIsStoredToo() throws Exception {
    ArtifactStore.Stored stored =
        store.put(BUILD, "empty.txt", Files.write(temp.resolve("e"), new byte[0]));

    assertEquals(0, stored.sizeBytes());
    assertEquals(sha256(new byte[0]), stored.sha256());
    try (InputStream in = store.open(BUILD, "empty.txt")) {
      assertEquals(0, in.readAllBytes().length);
    }
  }

  @Test
  void putReplacesAnArtifactOfTheSameNameAndLeavesNoTemporaryFile() throws Exception {
    store.put(BUILD, "report.txt", Files.writeString(temp.resolve("a"), "first, and longer"));
    ArtifactStore.Stored second =
        store.put(BUILD, "report.txt", Files.writeString(temp.resolve("b"), "second"));

    assertEquals(6, second.sizeBytes());
    assertEquals(sha256("second".getBytes()), second.sha256());
    try (InputStream in = store.open(BUILD, "report.txt")) {
      assertEquals("second", new String(in.readAllBytes()));
    }
    assertEquals(List.of("report.txt"), namesIn(root.resolve(BUILD)));
  }

  @Test
  void aFailedPutLeavesTheOldBlobAndNoTemporaryFile() throws Exception {
    store.put(BUILD, "report.txt", Files.writeString(temp.resolve("a"), "old"));

    assertThrows(
        NoSuchFileException.class,
        () -> store.put(BUILD, "report.txt", temp.resolve("does-not-exist")));
    // a directory cannot be read as a blob: the copy fails after the temporary file exists
    Path dir = Files.createDirectory(temp.resolve("a-directory"));
    assertThrows(IOException.class, () -> store.put(BUILD, "report.txt", dir));

    try (InputStream in = store.open(BUILD, "report.txt")) {
      assertEquals("old", new String(in.readAllBytes()));
    }
    assertEquals(List.of("report.txt"), namesIn(root.resolve(BUILD)));
  }

  @Test
  void buildsAndNamesAreKeptApart() throws Exception {
    store.put(BUILD, "a.txt", Files.writeString(temp.resolve("1"), "build one"));
    store.put("bld-other", "a.txt", Files.writeString(temp.resolve("2"), "build two"));
    store.put(BUILD, "b.txt", Files.writeString(temp.resolve("3"), "b"));

    try (InputStream one = store.open(BUILD, "a.txt");
        InputStream two = store.open("bld-other", "a.txt")) {
      assertEquals("build one", new String(one.readAllBytes()));
      assertEquals("build two", new String(two.readAllBytes()));
    }
  }

  @Test
  void openingWhatWasNeverStoredIsNoSuchFile() throws Exception {
    assertThrows(NoSuchFileException.class, () -> store.open(BUILD, "nothing.txt"));
    store.put(BUILD, "a.txt", Files.writeString(temp.resolve("a"), "a"));
    assertThrows(NoSuchFileException.class, () -> store.open(BUILD, "nothing.txt"));
  }

  @Test
  void deleteBuildRemovesItsBlobsOnly() throws Exception {
    store.put(BUILD, "a.txt", Files.writeString(temp.resolve("a"), "a"));
    store.put(BUILD, "b.tar", Files.writeString(temp.resolve("b"), "b"));
    store.put("bld-kept", "a.txt", Files.writeString(temp.resolve("c"), "kept"));

    store.deleteBuild(BUILD);

    assertFalse(Files.exists(root.resolve(BUILD)));
    assertThrows(NoSuchFileException.class, () -> store.open(BUILD, "a.txt"));
    try (InputStream in = store.open("bld-kept", "a.txt")) {
      assertEquals("kept", new String(in.readAllBytes()));
    }
    store.deleteBuild(BUILD); // nothing left: nothing to do
    store.deleteBuild("bld-never-stored-anything");
  }

  @Test
  void badNamesAndBuildIdsAreRefusedBeforeTouchingTheFileSystem() throws Exception {
    Path blob = Files.writeString(temp.resolve("x"), "x");
    for (String name :
        new String[] {null, "", "../escape", "a/b", ".hidden", "..", "a\\b", "x".repeat(101)}) {
      IllegalArgumentException refused =
          assertThrows(
              IllegalArgumentException.class, () -> store.put(BUILD, name, blob), "name " + name);
      assertTrue(refused.getMessage().contains("artifact name"), refused.getMessage());
      assertThrows(IllegalArgumentException.class, () -> store.open(BUILD, name), "name " + name);
    }
    for (String id :
        new String[] {null, "", "..", ".", "a/b", "../bld-x", "bld..x", "/tmp", "-x"}) {
      IllegalArgumentException refused =
          assertThrows(
              IllegalArgumentException.class, () -> store.put(id, "a.txt", blob), "id " + id);
      assertTrue(refused.getMessage().contains("build id"), refused.getMessage());
      assertThrows(IllegalArgumentException.class, () -> store.open(id, "a.txt"), "id " + id);
      assertThrows(IllegalArgumentException.class, () -> store.deleteBuild(id), "id " + id);
    }
    assertFalse(Files.exists(root), "nothing was created");
    assertFalse(Files.exists(temp.resolve("escape")));
  }

  @Test
  void whatTheStoreMakesOnlyItsOwnerMayReadOrWrite() throws Exception {
    assumeTrue(
        FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "no POSIX");
    Path blob = Files.writeString(temp.resolve("blob"), "secret build output");
    Files.setPosixFilePermissions(blob, PosixFilePermissions.fromString("rw-rw-rw-"));

    store.put(BUILD, "app.jar", blob);
    store.put(BUILD, "app.jar", blob); // replaced: the same
    store.put(BUILD, "other.jar", blob);

    assertEquals("rwx------", permissions(root));
    assertEquals("rwx------", permissions(root.resolve(BUILD)));
    assertEquals("rw-------", permissions(root.resolve(BUILD).resolve("app.jar")));
    assertEquals("rw-------", permissions(root.resolve(BUILD).resolve("other.jar")));

    // a store directory made by someone else keeps its permissions
    Path shared = Files.createDirectories(temp.resolve("shared"));
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-x---"));
    new DirectoryArtifactStore(shared).put(BUILD, "app.jar", blob);
    assertEquals("rwxr-x---", permissions(shared));
    assertEquals("rwx------", permissions(shared.resolve(BUILD)));
    assertEquals("rw-------", permissions(shared.resolve(BUILD).resolve("app.jar")));
  }

  static String permissions(Path path) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }

  static List<String> namesIn(Path dir) throws IOException {
    try (Stream<Path> list = Files.list(dir)) {
      return list.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
