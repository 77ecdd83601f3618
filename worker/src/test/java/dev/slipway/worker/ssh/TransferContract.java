package dev.slipway.worker.ssh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.stack.TestSshHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the transfer interface promises, against a real SSH server's SFTP: the same tests for Apache
 * SSHD in this JVM ({@link ApacheSshdTransferIT}) and Debian's OpenSSH ({@link OpenSshTransferIT}).
 * The host is this machine, so the tests look at its files directly.
 */
abstract class TransferContract extends RealSshHostTest {

  static final long NO_LIMIT = Long.MAX_VALUE;

  static FileTransfers transfers;

  protected static void start(TestSshHost started, Path dir) {
    RealSshHostTest.start(started, dir);
    transfers = new FileTransfers(connections);
  }

  /** The working directory on the host for one test, and a local scratch directory. */
  Path base;

  Path local;

  @BeforeEach
  void directories() throws IOException {
    String name = UUID.randomUUID().toString();
    base = Files.createDirectories(workDir.resolve("host").resolve(name));
    local = Files.createDirectories(workDir.resolve("local").resolve(name));
  }

  static HostConnection target() {
    return target(host, "res-transfer-" + host.getClass().getSimpleName());
  }

  long upload(Path source, String target, long limit) throws Exception {
    return transfers.upload(target(), host.clientKeyPair(), source, base.toString(), target, limit);
  }

  long download(String source, Path target, long limit) throws Exception {
    return transfers.download(
        target(), host.clientKeyPair(), base.toString(), source, target, limit);
  }

  @Test
  void twentyMegabyteFileComesBackByteIdentical() throws Exception {
    byte[] content = new byte[20 * 1024 * 1024];
    new Random(42).nextBytes(content);
    Path original = Files.write(local.resolve("big.bin"), content);

    assertEquals(content.length, upload(original, "out/big.bin", NO_LIMIT));
    assertArrayEquals(content, Files.readAllBytes(base.resolve("out/big.bin")));
    Path back = local.resolve("back.bin");
    assertEquals(content.length, download("out/big.bin", back, NO_LIMIT));
    assertArrayEquals(content, Files.readAllBytes(back));
  }

  @Test
  void directoryTreeComesBackIdentical() throws Exception {
    Path tree = local.resolve("tree");
    Files.createDirectories(tree.resolve("a/b/c"));
    Files.createDirectories(tree.resolve("empty-dir"));
    Files.writeString(tree.resolve("top.txt"), "top\n");
    Files.writeString(tree.resolve("a/b/c/deep.txt"), "deep\n");
    Files.writeString(tree.resolve("a/ünïcödé ✓.txt"), "unicode\n");
    Files.write(tree.resolve("a/b/empty"), new byte[0]);

    upload(tree, "reports", NO_LIMIT);
    assertEquals(contents(tree), contents(base.resolve("reports")));
    Path back = local.resolve("back");
    download("reports", back, NO_LIMIT);
    assertEquals(contents(tree), contents(back));
  }

  @Test
  void pathsThatClimbOutOfTheWorkingDirectoryAreRefused() throws Exception {
    Path file = Files.writeString(local.resolve("f.txt"), "x");
    String escapeName = "escaped-" + UUID.randomUUID();
    for (String target :
        new String[] {
          "../" + escapeName, "a/../../" + escapeName, "/tmp/" + escapeName, "", "a//b", "./a"
        }) {
      TransferRefused refused =
          assertThrows(TransferRefused.class, () -> upload(file, target, NO_LIMIT), target);
      assertTrue(refused.getMessage().contains(target), refused.getMessage());
    }
    assertFalse(Files.exists(base.getParent().resolve(escapeName)));
    assertFalse(Files.exists(Path.of("/tmp", escapeName)));
    assertThrows(TransferRefused.class, () -> download("../", local.resolve("up"), NO_LIMIT));
    assertFalse(Files.exists(local.resolve("up")));
  }

  @Test
  void symbolicLinksThatLeaveTheWorkingDirectoryAreRefused() throws Exception {
    Path outside = Files.createDirectories(workDir.resolve("outside-" + UUID.randomUUID()));
    Files.writeString(outside.resolve("secret.txt"), "secret");
    Files.createSymbolicLink(base.resolve("link"), outside);
    Path file = Files.writeString(local.resolve("f.txt"), "x");

    assertThrows(TransferRefused.class, () -> upload(file, "link/planted.txt", NO_LIMIT));
    assertFalse(Files.exists(outside.resolve("planted.txt")));
    assertThrows(
        TransferRefused.class,
        () -> download("link/secret.txt", local.resolve("secret.txt"), NO_LIMIT));
    assertFalse(Files.exists(local.resolve("secret.txt")));
  }

  @Test
  void symbolicLinksThatStayInsideAreFollowed() throws Exception {
    Files.createDirectories(base.resolve("real"));
    Files.createSymbolicLink(base.resolve("alias"), Path.of("real"));
    Path file = Files.writeString(local.resolve("f.txt"), "through the link");

    upload(file, "alias/f.txt", NO_LIMIT);
    assertEquals("through the link", Files.readString(base.resolve("real/f.txt")));
    download("alias/f.txt", local.resolve("back.txt"), NO_LIMIT);
    assertEquals("through the link", Files.readString(local.resolve("back.txt")));
  }

  @Test
  void transfersLargerThanTheirLimitAreRefused() throws Exception {
    Path file = Files.write(local.resolve("k.bin"), new byte[4096]);
    TransferRefused up = assertThrows(TransferRefused.class, () -> upload(file, "k.bin", 1000));
    assertTrue(up.getMessage().contains("1000"), up.getMessage());
    assertFalse(Files.exists(base.resolve("k.bin")));

    Files.write(base.resolve("big.bin"), new byte[200_000]);
    assertThrows(
        TransferRefused.class, () -> download("big.bin", local.resolve("big.bin"), 100_000));
  }

  @Test
  void aMissingFileIsRefusedNamingIt() throws Exception {
    TransferRefused refused =
        assertThrows(
            TransferRefused.class, () -> download("nope.txt", local.resolve("n"), NO_LIMIT));
    assertTrue(refused.getMessage().contains("nope.txt"), refused.getMessage());
  }

  /** Every file and directory under {@code root}: relative path → content (null for dirs). */
  static Map<String, String> contents(Path root) throws IOException {
    Map<String, String> all = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.toList()) {
        String relative = root.relativize(p).toString();
        all.put(relative, Files.isDirectory(p) ? "<dir>" : Files.readString(p));
      }
    }
    return all;
  }
}
