package dev.slipway.platform.artifact;

import dev.slipway.common.plan.ArtifactNames;
import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The default {@link ArtifactStore}: a directory on a file system every coordinator and runner
 * mounts, {@code slipway.artifacts.directory} (default {@code
 * ${user.home}/.local/share/slipway/artifacts}, see {@link ArtifactConfig#directory()}). Artifact
 * {@code NAME} of build {@code ID} is the file {@code <directory>/ID/NAME}.
 *
 * <p>{@link #put} copies the blob into a hidden temporary file next to its final place (a name
 * beginning with {@code .}, which no artifact name does), computing its size and SHA-256 on the
 * way, forces it to disk, then renames it into place ({@link StandardCopyOption#ATOMIC_MOVE}): a
 * reader opens the old blob or the new one, never part of one.
 *
 * <p>Artifacts can hold anything a build made (secrets too), so on a POSIX file system the store
 * makes what it makes for its owner only, whatever the process's umask: directories {@code 0700}
 * (the store's directory when it makes it, and each build's) and blobs {@code 0600}. Every
 * coordinator and runner must therefore run as the same user; one that runs as another user (of a
 * shared group) cannot read them. To share the store with a group instead, make its directory
 * yourself, owned by that group, setgid and group-accessible, and give the group access to what the
 * store makes (a default ACL, e.g. {@code setfacl -d -m g::rwX}), as the store's own permissions do
 * not reach it. A store directory that exists keeps its permissions.
 *
 * <p>Build ids and artifact names are checked before they reach the file system: a build id is
 * letters, digits, {@code .}, {@code _} and {@code -}, first a letter or digit, without {@code ..}
 * (ids look like {@code bld-<uuid>}); a name follows {@link ArtifactNames}. Anything else is an
 * {@link IllegalArgumentException}. Replace it with another store by declaring another {@link
 * ArtifactStore} bean: this one is only the default.
 */
@ApplicationScoped
@DefaultBean
public class DirectoryArtifactStore implements ArtifactStore {

  /** What a build id may be: a single file name, safe in a path. */
  static final Pattern BUILD_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");

  private static final String TEMP_SUFFIX = ".tmp";
  private static final int BUFFER = 64 * 1024;

  /** The permissions of the directories the store makes: {@code rwx------}. */
  static final Set<PosixFilePermission> DIRECTORY_PERMISSIONS =
      PosixFilePermissions.fromString("rwx------");

  /** The permissions of the blobs the store keeps: {@code rw-------}. */
  static final Set<PosixFilePermission> FILE_PERMISSIONS =
      PosixFilePermissions.fromString("rw-------");

  private final Path directory;

  /** For CDI: the directory is {@code slipway.artifacts.directory}. */
  @Inject
  public DirectoryArtifactStore(ArtifactConfig config) {
    this(Path.of(config.directory()));
  }

  /** A store in {@code directory} (created when the first blob is put). */
  public DirectoryArtifactStore(Path directory) {
    this.directory = directory.toAbsolutePath().normalize();
  }

  /** The store's directory. */
  public Path directory() {
    return directory;
  }

  @Override
  public Stored put(String buildId, String name, Path blob) throws IOException {
    Path target = blobPath(buildId, name);
    boolean posix = isPosix();
    Path dir = makeDirectories(target.getParent(), posix);
    Path temp = dir.resolve("." + name + "." + UUID.randomUUID() + TEMP_SUFFIX);
    MessageDigest digest = sha256();
    long size = 0;
    try {
      try (InputStream in = Files.newInputStream(blob);
          FileChannel channel =
              FileChannel.open(
                  temp,
                  Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                  posix
                      ? new FileAttribute<?>[] {
                        PosixFilePermissions.asFileAttribute(FILE_PERMISSIONS)
                      }
                      : new FileAttribute<?>[0])) {
        if (posix) {
          // the umask may have taken bits off at creation; it only ever takes, never adds
          Files.setPosixFilePermissions(temp, FILE_PERMISSIONS);
        }
        OutputStream out = Channels.newOutputStream(channel);
        byte[] buffer = new byte[BUFFER];
        int n;
        while ((n = in.read(buffer)) >= 0) {
          digest.update(buffer, 0, n);
          out.write(buffer, 0, n);
          size += n;
        }
        channel.force(true);
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
    return new Stored(size, HexFormat.of().formatHex(digest.digest()));
  }

  @Override
  public InputStream open(String buildId, String name) throws IOException {
    return Files.newInputStream(blobPath(buildId, name), LinkOption.NOFOLLOW_LINKS);
  }

  @Override
  public void deleteBuild(String buildId) throws IOException {
    Path dir = buildDirectory(buildId);
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (DirectoryStream<Path> blobs = Files.newDirectoryStream(dir)) {
      for (Path blob : blobs) {
        Files.deleteIfExists(blob);
      }
    }
    try {
      Files.deleteIfExists(dir);
    } catch (DirectoryNotEmptyException e) {
      // an upload of the same build put a blob meanwhile: it stays, as its record does
    }
  }

  /**
   * Makes {@code dir} (a build's directory) and the store's directory above it unless they exist;
   * on POSIX, what it makes is {@link #DIRECTORY_PERMISSIONS} whatever the umask (also when another
   * put makes it at the same moment, as that one sets the same).
   */
  private Path makeDirectories(Path dir, boolean posix) throws IOException {
    if (!posix) {
      return Files.createDirectories(dir);
    }
    for (Path each : new Path[] {directory, dir}) {
      if (!Files.isDirectory(each)) {
        Files.createDirectories(each, PosixFilePermissions.asFileAttribute(DIRECTORY_PERMISSIONS));
        Files.setPosixFilePermissions(each, DIRECTORY_PERMISSIONS);
      }
    }
    return dir;
  }

  private boolean isPosix() {
    return directory.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  /** Where artifact {@code name} of build {@code buildId} is kept. */
  Path blobPath(String buildId, String name) {
    String problem = ArtifactNames.problem(name);
    if (problem != null) {
      throw new IllegalArgumentException(problem + ", not '" + name + "'");
    }
    return buildDirectory(buildId).resolve(name);
  }

  private Path buildDirectory(String buildId) {
    if (buildId == null || !BUILD_ID.matcher(buildId).matches() || buildId.contains("..")) {
      throw new IllegalArgumentException(
          "a build id must match " + BUILD_ID.pattern() + " without '..', not '" + buildId + "'");
    }
    return directory.resolve(buildId);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
