package dev.slipway.worker.artifact;

import dev.slipway.common.plan.ArtifactNames;
import dev.slipway.common.platform.Globs;
import dev.slipway.common.platform.RelativePaths;
import dev.slipway.platform.artifact.Artifact;
import dev.slipway.platform.artifact.ArtifactStore;
import dev.slipway.worker.ssh.FileTransfers;
import dev.slipway.worker.ssh.HostConnection;
import dev.slipway.worker.ssh.RemoteFileRefused;
import dev.slipway.worker.ssh.RemoteFiles;
import dev.slipway.worker.ssh.SshConnections;
import dev.slipway.worker.ssh.SshFailure;
import dev.slipway.worker.ssh.TransferRefused;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.jboss.logging.Logger;

/**
 * Copies artifacts between a host and the {@link ArtifactStore}, over the host's SFTP through
 * {@link FileTransfers} (and its path rules): no database, no CDI. {@link ArtifactTransfers} adds
 * the build's byte limit and the {@code artifacts} table.
 *
 * <p>What an artifact is, from the path {@link #fetch} is given (relative to a base directory on
 * the host, the lease's working directory):
 *
 * <ul>
 *   <li>a file: kind {@link Artifact#FILE}, stored as it is;
 *   <li>a directory: kind {@link Artifact#DIRECTORY}, stored as a tar of its tree (entries relative
 *       to the directory; regular files and directories only, a symbolic link anywhere in it is
 *       refused; POSIX long names). The tar is the same bytes whenever the same tree is copied, on
 *       any runner: entries sorted by name, files mode 0644, directories 0755, all dated {@link
 *       #TAR_TIME} (2000-01-01), owner and group 0 without names;
 *   <li>a glob (the path contains {@code *}, {@code ?}, {@code [} or <code>{</code>): the syntax of
 *       Java's {@code glob:} ({@link Globs}, which matches it in linear time; at most {@value
 *       Globs#MAX_LENGTH} characters), matched against paths relative to the base with {@code /}
 *       separators ({@code *} stays within one directory, {@code **} crosses them). The host's tree
 *       is walked over SFTP from the glob's longest literal directory prefix, never following a
 *       symbolic link, never leaving the base and at most {@value FileTransfers#MAX_DEPTH} levels
 *       deep; its matches (a matched directory with its whole tree) make a {@link
 *       Artifact#DIRECTORY} artifact that keeps their paths relative to the base ({@code
 *       build/libs/*.jar} keeps {@code build/libs/app.jar}, with the directories {@code build/} and
 *       {@code build/libs/}). A matched symbolic link, or a literal prefix that is one, is refused;
 *       no match at all is refused.
 * </ul>
 *
 * <p>The host is not trusted with the names it lists: see {@link FileTransfers} (a name that is no
 * single file name is refused, every local path stays below the temporary directory, a tree may be
 * at most {@value FileTransfers#MAX_DEPTH} levels deep and hold {@value FileTransfers#MAX_ENTRIES}
 * entries, each counting {@value FileTransfers#ENTRY_BYTES} bytes and its name against the limit;
 * each match of a glob counts so too).
 *
 * <p>Everything passes through a local temporary directory that is always deleted afterwards.
 * Failures: {@link TransferRefused} for what Slipway will not do (path rules, links, limits, no
 * match, a tar entry that would leave its directory, a name the runner's locale cannot hold), and
 * for a copy that was stopped ({@code stop}: its message begins with {@value
 * FileTransfers#STOPPED}); {@link SshFailure} for a lost connection, {@link ArtifactStoreFailure}
 * for the store or the local disk (unreadable, unwritable, or a blob that is not what its record
 * says). {@code stop} is asked once per directory entry and once per buffer of 64 KiB.
 */
public final class ArtifactCopies {

  private static final Logger LOG = Logger.getLogger(ArtifactCopies.class);

  /** The most entries a glob's walk looks at before it gives up. */
  static final int MAX_GLOB_ENTRIES = FileTransfers.MAX_ENTRIES;

  /** The date of every entry of a directory artifact's tar: 2000-01-01T00:00:00Z. */
  static final Instant TAR_TIME = Instant.parse("2000-01-01T00:00:00Z");

  /** The most parts an entry of a tar in the store may have (a glob's prefix, walk and tree). */
  static final int MAX_TAR_DEPTH = 4 * FileTransfers.MAX_DEPTH;

  private static final String TEMPORARY_PREFIX = "slipway-artifact-";
  private static final int BUFFER = 64 * 1024;
  private static final int FILE_MODE = 0100644;
  private static final int DIRECTORY_MODE = 040755;

  private final SshConnections connections;
  private final FileTransfers transfers;
  private final ArtifactStore store;

  private final Path scratch;

  /** Copies that keep their temporary directories in the JVM's ({@code java.io.tmpdir}). */
  public ArtifactCopies(SshConnections connections, ArtifactStore store) {
    this(connections, store, null);
  }

  /**
   * @param scratch where to make temporary directories; null: {@code java.io.tmpdir}
   */
  public ArtifactCopies(SshConnections connections, ArtifactStore store, Path scratch) {
    this.connections = connections;
    this.transfers = new FileTransfers(connections);
    this.store = store;
    this.scratch = scratch;
  }

  /** What {@link #fetch} stored: the artifact's kind and what the store says it holds. */
  public record Fetched(String kind, ArtifactStore.Stored stored) {}

  /** Whether {@code path} is a glob: it has a {@code *}, {@code ?}, {@code [} or <code>{</code>. */
  public static boolean isGlob(String path) {
    return Globs.isGlob(path);
  }

  /**
   * Copies {@code base/path} (a file, a directory or a glob) from the host into the store as
   * artifact {@code name} of build {@code buildId}, replacing one of that name. Nothing is stored
   * unless all of it fits in {@code maxBytes}: what is downloaded, and the tar a directory becomes.
   *
   * @param base the base directory on the host; {@code "."} is the SSH user's home
   * @param maxBytes the most bytes the artifact may have (0 when negative)
   * @param stop true once the copy is to stop (aborted, past its deadline)
   */
  public Fetched fetch(
      HostConnection host,
      KeyPair key,
      String base,
      String path,
      String buildId,
      String name,
      long maxBytes,
      BooleanSupplier stop)
      throws SshFailure, TransferRefused, ArtifactStoreFailure {
    requireName(name);
    String problem = RelativePaths.problem(path);
    if (problem == null && isGlob(path)) {
      problem = Globs.globProblem(path);
    }
    if (problem != null) {
      throw new TransferRefused(problem);
    }
    long limit = Math.max(0, maxBytes);
    Path work = temporaryDirectory(buildId, name);
    try {
      Path content = work.resolve("content");
      String kind;
      if (isGlob(path)) {
        List<String> matches = matches(host, key, base, path, stop);
        Files.createDirectory(content);
        long left = limit;
        for (String match : matches) {
          // a match is a tar entry, whatever it holds
          left -= FileTransfers.ENTRY_BYTES + match.getBytes(StandardCharsets.UTF_8).length;
          if (left < 0) {
            throw new TransferRefused(
                "artifact '"
                    + name
                    + "': download passed its limit of "
                    + limit
                    + " bytes at "
                    + match
                    + " (every match of a glob and every file and directory in a tree counts "
                    + FileTransfers.ENTRY_BYTES
                    + " bytes and its name besides its content; its build may still keep "
                    + limit
                    + " bytes of artifacts: slipway.artifacts.max-bytes-per-build)");
          }
          Path local = FileTransfers.localPath(content, match, match);
          Files.createDirectories(local.getParent());
          left -= download(host, key, base, match, local, left, name, stop);
        }
        kind = Artifact.DIRECTORY;
      } else {
        download(host, key, base, path, content, limit, name, stop);
        kind =
            Files.isDirectory(content, LinkOption.NOFOLLOW_LINKS)
                ? Artifact.DIRECTORY
                : Artifact.FILE;
      }
      Path blob = content;
      if (kind.equals(Artifact.DIRECTORY)) {
        blob = work.resolve("artifact.tar");
        tar(content, blob, stop);
      }
      FileTransfers.checkStop(stop, path);
      long size = Files.size(blob);
      if (size > limit) {
        throw new TransferRefused(
            "artifact '"
                + name
                + "' from '"
                + path
                + (kind.equals(Artifact.DIRECTORY) ? "' is a tar of " : "' has ")
                + size
                + " bytes, more than the "
                + limit
                + " bytes its build may still keep (slipway.artifacts.max-bytes-per-build)");
      }
      return new Fetched(kind, store.put(buildId, name, blob));
    } catch (IOException e) {
      // FileTransfers and the glob's walk say SshFailure or TransferRefused: this is local
      throw new ArtifactStoreFailure(
          "cannot store artifact '" + name + "' of build '" + buildId + "': " + e, e);
    } finally {
      deleteTree(work);
    }
  }

  /**
   * Puts {@code artifact}, as the store holds it, onto the host at {@code base/target}: a file
   * artifact as that file, a directory artifact as that directory (its tar unpacked; directories
   * are made and files replaced as needed). The bytes read from the store must have the recorded
   * size and SHA-256, or nothing reaches the host.
   *
   * <p>Each file reaches the host under a temporary name in its directory and is renamed into place
   * ({@link FileTransfers}): a second runner delivering the same artifact at the same moment (after
   * a takeover) puts the same bytes there, and nobody sees part of a file.
   *
   * @param target relative to {@code base}; null or blank: the artifact's name
   * @param stop true once the copy is to stop (aborted, past its deadline)
   * @return a one-line summary, e.g. {@code downloaded artifact app.jar (1234 bytes, sha256
   *     ab12cd34ef56…) to build/app.jar}
   */
  public String deliver(
      HostConnection host,
      KeyPair key,
      String base,
      Artifact artifact,
      String target,
      BooleanSupplier stop)
      throws SshFailure, TransferRefused, ArtifactStoreFailure {
    String destination = target == null || target.isBlank() ? artifact.name : target;
    String problem = RelativePaths.problem(destination);
    if (problem != null) {
      throw new TransferRefused(problem);
    }
    Path work = temporaryDirectory(artifact.buildId, artifact.name);
    try {
      Path blob = work.resolve("blob");
      copyVerified(artifact, blob, stop);
      String what = "";
      Path source = blob;
      if (Artifact.DIRECTORY.equals(artifact.kind)) {
        source = work.resolve("tree");
        int files = unpack(artifact, blob, source, stop);
        what = "a directory of " + files + (files == 1 ? " file, " : " files, ") + "tar of ";
      }
      transfers.upload(host, key, source, base, destination, Long.MAX_VALUE, stop);
      return "downloaded artifact "
          + artifact.name
          + " ("
          + what
          + artifact.sizeBytes
          + " bytes, sha256 "
          + artifact.sha256.substring(0, Math.min(12, artifact.sha256.length()))
          + "…) to "
          + destination;
    } catch (IOException e) {
      throw new ArtifactStoreFailure(
          "cannot unpack artifact '"
              + artifact.name
              + "' of build '"
              + artifact.buildId
              + "' on the runner: "
              + e,
          e);
    } finally {
      deleteTree(work);
    }
  }

  private static void requireName(String name) throws TransferRefused {
    String problem = ArtifactNames.problem(name);
    if (problem != null) {
      throw new TransferRefused(problem + ", not '" + name + "'");
    }
  }

  /** {@link FileTransfers#download}, its refusals naming the artifact. */
  private long download(
      HostConnection host,
      KeyPair key,
      String base,
      String source,
      Path target,
      long maxBytes,
      String name,
      BooleanSupplier stop)
      throws SshFailure, TransferRefused {
    try {
      return transfers.download(host, key, base, source, target, maxBytes, stop);
    } catch (TransferRefused e) {
      if (e.getMessage().startsWith(FileTransfers.STOPPED)) {
        throw e;
      }
      String limit =
          e.getMessage().contains("passed its limit")
              ? " (its build may still keep "
                  + maxBytes
                  + " bytes of artifacts: slipway.artifacts.max-bytes-per-build)"
              : "";
      throw new TransferRefused("artifact '" + name + "': " + e.getMessage() + limit);
    }
  }

  // ---- glob ----------------------------------------------------------------------------------

  /** What {@code glob} matches below {@code base} on the host (relative to it), in order. */
  private List<String> matches(
      HostConnection host, KeyPair key, String base, String glob, BooleanSupplier stop)
      throws SshFailure, TransferRefused {
    Globs.Glob matcher;
    try {
      matcher = Globs.compile(glob);
    } catch (IllegalArgumentException e) {
      throw new TransferRefused(e.getMessage());
    }
    List<String> parts = Arrays.asList(glob.split("/"));
    int literal = 0;
    while (literal < parts.size() - 1 && !isGlob(parts.get(literal))) {
      literal++;
    }
    List<String> prefix = parts.subList(0, literal);
    // * ? [..] never match a '/', so only ** reaches deeper than the glob has parts
    int maxDepth = glob.contains("**") ? Integer.MAX_VALUE : glob.split("/", -1).length;
    Walk walk = new Walk(glob, matcher, maxDepth, stop);
    RemoteFiles files = connections.files(host, key);
    String path = "";
    try {
      String dir = files.canonical(base);
      for (String part : prefix) {
        dir = dir + "/" + part;
        path = path.isEmpty() ? part : path + "/" + part;
        RemoteFiles.Entry attributes = files.lstat(dir);
        if (attributes != null && attributes.isSymbolicLink()) {
          throw new TransferRefused(
              "'"
                  + path
                  + "' is a symbolic link; the glob '"
                  + glob
                  + "' is matched without following links");
        }
        if (attributes == null || !attributes.isDirectory()) {
          throw noMatch(glob);
        }
      }
      walk.directory(files, dir, String.join("/", prefix), prefix.size());
    } catch (RemoteFileRefused e) {
      throw new TransferRefused(
          "'" + glob + "' on " + host.describe() + ": " + e.reason() + " (" + e.getMessage() + ")");
    } catch (IOException e) {
      throw new SshFailure(SshFailure.Kind.CONNECTION_LOST, host.describe() + ": " + e, e);
    }
    if (walk.matches.isEmpty()) {
      throw noMatch(glob);
    }
    return walk.matches;
  }

  private static TransferRefused noMatch(String glob) {
    return new TransferRefused("no file on the host matches '" + glob + "'");
  }

  /** One glob's walk over the host's tree. */
  private static final class Walk {
    final String glob;
    final Globs.Glob matcher;
    final int maxDepth;
    final BooleanSupplier stop;
    final List<String> matches = new ArrayList<>();
    int seen;

    Walk(String glob, Globs.Glob matcher, int maxDepth, BooleanSupplier stop) {
      this.glob = glob;
      this.matcher = matcher;
      this.maxDepth = maxDepth;
      this.stop = stop;
    }

    /** Walks the directory {@code dir}, {@code relative} below the base, {@code depth} deep. */
    void directory(RemoteFiles files, String dir, String relative, int depth)
        throws IOException, TransferRefused {
      if (depth >= FileTransfers.MAX_DEPTH) {
        throw new TransferRefused(
            "the glob '"
                + glob
                + "' leads deeper than "
                + FileTransfers.MAX_DEPTH
                + " levels (at '"
                + relative
                + "'); a tree that deep is not walked");
      }
      List<String> names =
          FileTransfers.list(files, dir, relative.isEmpty() ? "." : relative, seen, stop);
      for (String name : names) {
        FileTransfers.checkStop(stop, relative.isEmpty() ? name : relative + "/" + name);
        if (++seen > MAX_GLOB_ENTRIES) {
          throw tooMany();
        }
        String child = relative.isEmpty() ? name : relative + "/" + name;
        String path = dir + "/" + name;
        // links are never followed: lstat, not the attributes readdir gives (some servers follow)
        RemoteFiles.Entry attributes = files.lstat(path);
        if (attributes == null) {
          continue; // gone meanwhile
        }
        if (matcher.matches(child)) {
          if (attributes.isSymbolicLink()) {
            throw new TransferRefused(
                "'"
                    + child
                    + "' matches '"
                    + glob
                    + "' but is a symbolic link; links are not copied into artifacts");
          }
          if (!attributes.isDirectory() && !attributes.isRegularFile()) {
            throw new TransferRefused(
                "'" + child + "' matches '" + glob + "' but is neither a file nor a directory");
          }
          matches.add(child);
        } else if (attributes.isDirectory()
            && !attributes.isSymbolicLink()
            && depth + 1 < maxDepth) {
          directory(files, path, child, depth + 1);
        }
      }
    }

    private TransferRefused tooMany() {
      return new TransferRefused(
          "the glob '"
              + glob
              + "' looked at "
              + MAX_GLOB_ENTRIES
              + " files and directories without finishing; give a narrower one");
    }
  }

  // ---- tar -----------------------------------------------------------------------------------

  /**
   * Writes the tree {@code root} (files and directories only) as the tar {@code blob}: the same
   * bytes for the same tree, whenever and wherever it is made (see the class comment).
   */
  static void tar(Path root, Path blob, BooleanSupplier stop) throws IOException, TransferRefused {
    List<Path> all;
    try (Stream<Path> walk = Files.walk(root)) {
      // a parent's path is a prefix of its children's: it comes first
      all =
          walk.filter(p -> !p.equals(root))
              .sorted(Comparator.comparing(p -> relative(root, p)))
              .toList();
    }
    FileTime time = FileTime.from(TAR_TIME);
    try (OutputStream out =
            new BufferedOutputStream(
                Files.newOutputStream(blob, StandardOpenOption.CREATE_NEW), BUFFER);
        TarArchiveOutputStream tar =
            new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name())) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      tar.setAddPaxHeadersForNonAsciiNames(true);
      byte[] buffer = new byte[BUFFER];
      for (Path path : all) {
        String name = relative(root, path);
        FileTransfers.checkStop(stop, name);
        TarArchiveEntry entry;
        boolean file = Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS);
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
          entry = new TarArchiveEntry(name + "/", TarConstants.LF_DIR);
          entry.setMode(DIRECTORY_MODE);
        } else if (file) {
          entry = new TarArchiveEntry(name, TarConstants.LF_NORMAL);
          entry.setMode(FILE_MODE);
          entry.setSize(Files.size(path));
        } else {
          throw new IOException(path + " is neither a file nor a directory");
        }
        entry.setModTime(time);
        entry.setUserId(0);
        entry.setGroupId(0);
        entry.setUserName("");
        entry.setGroupName("");
        tar.putArchiveEntry(entry);
        if (file) {
          try (InputStream in = Files.newInputStream(path, LinkOption.NOFOLLOW_LINKS)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
              FileTransfers.checkStop(stop, name);
              tar.write(buffer, 0, n);
            }
          }
        }
        tar.closeArchiveEntry();
      }
      tar.finish();
    }
  }

  private static String relative(Path root, Path path) {
    List<String> parts = new ArrayList<>();
    for (Path part : root.relativize(path)) {
      parts.add(part.toString());
    }
    return String.join("/", parts);
  }

  /**
   * Unpacks {@code artifact}'s tar {@code blob} into {@code tree}, which must not exist. An entry
   * that is absolute, has a {@code ..} part, a backslash or NUL, is a link or anything but a file
   * or a directory is refused (a tar in the store could only be made so on purpose), as are files
   * that add up to more bytes than the tar.
   *
   * @return the number of files unpacked
   */
  static int unpack(Artifact artifact, Path blob, Path tree, BooleanSupplier stop)
      throws IOException, TransferRefused {
    Files.createDirectory(tree);
    long left = artifact.sizeBytes;
    int files = 0;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(blob), BUFFER);
        TarArchiveInputStream tar = new TarArchiveInputStream(in, StandardCharsets.UTF_8.name())) {
      byte[] buffer = new byte[BUFFER];
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        String name = entry.getName();
        FileTransfers.checkStop(stop, name);
        Path target = entryPath(artifact, tree, name);
        if (entry.isSymbolicLink() || entry.isLink()) {
          throw refusedEntry(artifact, name, "is a link");
        }
        if (entry.isDirectory()) {
          if (target != null) {
            Files.createDirectories(target);
          }
          continue;
        }
        byte flag = entry.getLinkFlag();
        boolean regular =
            flag == TarConstants.LF_NORMAL
                || flag == TarConstants.LF_OLDNORM
                || flag == TarConstants.LF_CONTIG;
        if (!regular || entry.isSparse() || target == null) {
          throw refusedEntry(artifact, name, "is neither a file nor a directory");
        }
        Files.createDirectories(target.getParent());
        OutputStream created;
        try {
          created =
              Files.newOutputStream(
                  target,
                  LinkOption.NOFOLLOW_LINKS,
                  StandardOpenOption.CREATE_NEW,
                  StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
          throw refusedEntry(artifact, name, "is in it twice");
        }
        try (OutputStream out = created) {
          int n;
          while ((n = tar.read(buffer)) > 0) {
            FileTransfers.checkStop(stop, name);
            left -= n;
            if (left < 0) {
              throw refusedEntry(artifact, name, "makes the files larger than the tar");
            }
            out.write(buffer, 0, n);
          }
        }
        files++;
      }
    }
    return files;
  }

  /** Where entry {@code name} goes below {@code tree}; null for the tree itself ({@code ./}). */
  private static Path entryPath(Artifact artifact, Path tree, String name) throws TransferRefused {
    if (name.startsWith("/") || name.matches("^[A-Za-z]:.*")) {
      throw refusedEntry(artifact, name, "is absolute");
    }
    List<String> parts = new ArrayList<>();
    for (String part : name.split("/")) {
      if (part.equals("..") || part.indexOf('\\') >= 0 || part.indexOf('\0') >= 0) {
        throw refusedEntry(artifact, name, "would leave its directory");
      }
      if (!part.isEmpty() && !part.equals(".")) {
        parts.add(part);
      }
    }
    if (parts.isEmpty()) {
      return null;
    }
    if (parts.size() > MAX_TAR_DEPTH) {
      throw refusedEntry(artifact, name, "is more than " + MAX_TAR_DEPTH + " levels deep");
    }
    Path target;
    try {
      target = tree.resolve(String.join("/", parts)).normalize();
    } catch (InvalidPathException e) {
      throw FileTransfers.unrepresentable(name);
    }
    if (!target.startsWith(tree) || target.equals(tree)) {
      throw refusedEntry(artifact, name, "would leave its directory");
    }
    return target;
  }

  private static TransferRefused refusedEntry(Artifact artifact, String entry, String why) {
    return new TransferRefused(
        "artifact '"
            + artifact.name
            + "' of build '"
            + artifact.buildId
            + "' holds the tar entry '"
            + entry
            + "', which "
            + why
            + "; nothing was downloaded");
  }

  // ---- store and local files -----------------------------------------------------------------

  /** Copies {@code artifact} from the store to {@code blob}, checking its size and SHA-256. */
  private void copyVerified(Artifact artifact, Path blob, BooleanSupplier stop)
      throws ArtifactStoreFailure, TransferRefused {
    String which = "artifact '" + artifact.name + "' of build '" + artifact.buildId + "'";
    MessageDigest digest = sha256();
    long size = 0;
    try (InputStream in = store.open(artifact.buildId, artifact.name);
        OutputStream out = Files.newOutputStream(blob, StandardOpenOption.CREATE_NEW)) {
      byte[] buffer = new byte[BUFFER];
      int n;
      while ((n = in.read(buffer)) >= 0) {
        FileTransfers.checkStop(stop, artifact.name);
        digest.update(buffer, 0, n);
        out.write(buffer, 0, n);
        size += n;
      }
    } catch (NoSuchFileException e) {
      throw new ArtifactStoreFailure(which + " is recorded but missing from the artifact store", e);
    } catch (IOException e) {
      throw new ArtifactStoreFailure("cannot read " + which + " from the artifact store: " + e, e);
    }
    String sha = HexFormat.of().formatHex(digest.digest());
    if (size != artifact.sizeBytes || !sha.equalsIgnoreCase(artifact.sha256)) {
      throw new ArtifactStoreFailure(
          which
              + " is corrupt in the artifact store: it holds "
              + size
              + " bytes with sha256 "
              + sha
              + ", recorded were "
              + artifact.sizeBytes
              + " bytes with sha256 "
              + artifact.sha256
              + "; nothing was downloaded",
          null);
    }
  }

  private Path temporaryDirectory(String buildId, String name) throws ArtifactStoreFailure {
    try {
      return scratch == null
          ? Files.createTempDirectory(TEMPORARY_PREFIX)
          : Files.createTempDirectory(scratch, TEMPORARY_PREFIX);
    } catch (IOException e) {
      throw new ArtifactStoreFailure(
          "cannot make a temporary directory for artifact '"
              + name
              + "' of build '"
              + buildId
              + "': "
              + e,
          e);
    }
  }

  /** Deletes {@code root} and everything in it; a failure is logged, not thrown. */
  static void deleteTree(Path root) {
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException | RuntimeException e) {
      LOG.warnf("could not delete the temporary directory %s: %s", root, e);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
