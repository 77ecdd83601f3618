package dev.slipway.worker.workingcopy;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Lines put at the top of {@code ~/.ssh/config} of the user that the test SSH hosts run commands as
 * (this machine's user: ssh reads the home of the password database, not {@code $HOME}), as a build
 * on the host could; the file is restored as it was on close. Keep what is planted narrow (a {@code
 * Match} on the test server's port): other processes of this user read the file meanwhile.
 */
public final class PlantedSshConfig implements AutoCloseable {

  private final Path file;
  private final String original;
  private final boolean madeDirectory;

  private PlantedSshConfig(Path file, String original, boolean madeDirectory) {
    this.file = file;
    this.original = original;
    this.madeDirectory = madeDirectory;
  }

  public static PlantedSshConfig plant(String lines) throws IOException {
    Path sshDir = Path.of(System.getProperty("user.home"), ".ssh");
    boolean made = !Files.isDirectory(sshDir);
    if (made) {
      Files.createDirectories(
          sshDir,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    Path file = sshDir.resolve("config");
    String original = Files.exists(file) ? Files.readString(file) : null;
    PlantedSshConfig planted = new PlantedSshConfig(file, original, made);
    // "Host *" ends the planted block, so that the user's own lines keep their meaning
    write(file, lines + "Host *\n" + (original == null ? "" : original));
    return planted;
  }

  private static void write(Path file, String text) throws IOException {
    if (!Files.exists(file)) {
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }
    Files.writeString(file, text);
  }

  @Override
  public void close() throws IOException {
    if (original != null) {
      Files.writeString(file, original);
      return;
    }
    Files.deleteIfExists(file);
    if (madeDirectory) {
      try {
        Files.deleteIfExists(file.getParent());
      } catch (DirectoryNotEmptyException e) {
        // something else of this user wrote there meanwhile (known_hosts): left as it is
      }
    }
  }
}
