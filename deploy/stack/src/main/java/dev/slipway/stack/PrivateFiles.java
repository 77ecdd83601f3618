package dev.slipway.stack;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Secrets in files only their owner can read (0600), in directories only their owner can enter
 * (0700). A file is created with its permissions in the same step, so a secret is never readable by
 * others, not even for a moment.
 */
public final class PrivateFiles {

  private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> DIRECTORY =
      PosixFilePermissions.fromString("rwx------");
  private static final SecureRandom RANDOM = new SecureRandom();

  private PrivateFiles() {}

  /**
   * Creates {@code dir} (and its missing parents) with mode 0700; an existing one is narrowed to
   * 0700. Returns {@code dir}.
   */
  public static Path directory(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      if (!Files.getPosixFilePermissions(dir).equals(DIRECTORY)) {
        Files.setPosixFilePermissions(dir, DIRECTORY);
      }
      return dir;
    }
    if (dir.getParent() != null) {
      Files.createDirectories(dir.getParent());
    }
    try {
      Files.createDirectory(dir, attribute(DIRECTORY));
    } catch (FileAlreadyExistsException createdMeanwhile) {
      return directory(dir);
    }
    return dir;
  }

  /**
   * The secret that {@code file} holds (its content, trimmed). A missing file is created with mode
   * 0600 holding {@code generate.get()}; an existing one that others could read (an older version
   * wrote it so) is narrowed to 0600.
   *
   * @throws IOException also when the file exists but is empty
   */
  public static String secret(Path file, Supplier<String> generate) throws IOException {
    String secret = generate.get();
    try (SeekableByteChannel channel =
        Files.newByteChannel(
            file,
            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
            attribute(FILE))) {
      channel.write(ByteBuffer.wrap((secret + "\n").getBytes(StandardCharsets.UTF_8)));
      return secret;
    } catch (FileAlreadyExistsException exists) {
      if (!Files.getPosixFilePermissions(file).equals(FILE)) {
        Files.setPosixFilePermissions(file, FILE);
      }
      String kept = Files.readString(file).trim();
      if (kept.isEmpty()) {
        throw new IOException(file + " is empty; delete it and a new secret is made");
      }
      return kept;
    }
  }

  /** {@code count} bytes from SecureRandom, for a secret. */
  public static byte[] randomBytes(int count) {
    byte[] secret = new byte[count];
    RANDOM.nextBytes(secret);
    return secret;
  }

  private static FileAttribute<Set<PosixFilePermission>> attribute(Set<PosixFilePermission> mode) {
    return PosixFilePermissions.asFileAttribute(mode);
  }
}
