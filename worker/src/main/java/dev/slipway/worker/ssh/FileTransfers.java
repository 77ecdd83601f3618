package dev.slipway.worker.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;

/**
 * The transfer interface: files and directory trees to and from a host over SFTP, on the host's
 * pooled SSH session and SFTP client, independent of how the host was made; on a POSIX host without
 * a usable SFTP subsystem (none configured, or a login shell that prints and so corrupts it), over
 * exec channels instead ({@link ExecFiles}: {@code cat} through the channel, the same path checks).
 * Every remote path is given relative to a base directory (a working directory) and must stay
 * inside it: a path with an empty, {@code .} or {@code ..} part is refused before anything is sent,
 * and a path that leaves the base through a symbolic link is refused once the host has resolved it.
 * A transfer larger than its byte limit is refused (an upload before it starts, a download as soon
 * as it passes the limit).
 *
 * <p>The host is not trusted with what it lists: a download takes only names from a directory
 * listing that are single file names ({@link #listedNameProblem}: not empty, no {@code /},
 * backslash or NUL; {@code .} and {@code ..} are skipped), every local path it makes must stay
 * below the download's target, and local files are created new ({@code CREATE_NEW}, links not
 * followed). A downloaded tree may be at most {@value #MAX_DEPTH} levels deep and hold at most
 * {@value #MAX_ENTRIES} files and directories, and each of them counts {@value #ENTRY_BYTES} bytes
 * plus its name against the byte limit (as it will in a tar), so that empty files cost something. A
 * name that the runner's file system encoding cannot hold (any non-ASCII name when the runner runs
 * under the C/POSIX locale) is refused naming it.
 *
 * <p>An upload writes each file under a temporary name ({@code .slipway-<uuid>.part}) in its
 * directory and renames it into place, replacing the file there: a reader (or a second runner
 * copying the same bytes) sees the old file or the new one, never part of one (see {@link
 * SftpFiles} for SFTP servers that cannot rename atomically; without SFTP it is {@code mv -f}).
 *
 * <p>The transfers with a {@code stop} check it once per directory entry and once per buffer of 64
 * KiB; when it says true they throw {@link TransferRefused} with a message beginning with {@value
 * #STOPPED}.
 */
public final class FileTransfers {

  /** The most files and directories one download takes. */
  public static final int MAX_ENTRIES = 100_000;

  /** The most levels a downloaded tree may have below the directory downloaded. */
  public static final int MAX_DEPTH = 64;

  /** What each file and directory of a downloaded tree counts against the limit, and its name. */
  public static final int ENTRY_BYTES = 512;

  /** How the message of a transfer that was stopped begins. */
  public static final String STOPPED = "stopped: ";

  private static final int BUFFER = 64 * 1024;
  private static final BooleanSupplier NEVER = () -> false;

  private final SshConnections connections;

  public FileTransfers(SshConnections connections) {
    this.connections = connections;
  }

  /**
   * Copies the local file or directory tree {@code source} to {@code base/target} on the host,
   * creating directories as needed and replacing files that exist.
   *
   * @return the number of bytes sent
   */
  public long upload(
      HostConnection host, KeyPair key, Path source, String base, String target, long maxBytes)
      throws SshFailure, TransferRefused {
    return upload(host, key, source, base, target, maxBytes, NEVER);
  }

  /**
   * {@link #upload(HostConnection, KeyPair, Path, String, String, long)}, stopping when {@code
   * stop} says so (a file being written is left under its temporary name, and removed if the
   * connection allows).
   */
  public long upload(
      HostConnection host,
      KeyPair key,
      Path source,
      String base,
      String target,
      long maxBytes,
      BooleanSupplier stop)
      throws SshFailure, TransferRefused {
    List<String> parts = RemotePaths.parts(target);
    if (Files.isSymbolicLink(source)) {
      throw new TransferRefused(source + " is a symbolic link; give its target");
    }
    long size = localSize(source);
    if (size > maxBytes) {
      throw new TransferRefused(
          source + " holds " + size + " bytes, more than the limit of " + maxBytes);
    }
    RemoteFiles sftp = connections.files(host, key);
    try {
      String root = sftp.canonical(base);
      for (int i = 1; i < parts.size(); i++) {
        mkdir(sftp, root, parts.subList(0, i));
      }
      return Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)
          ? uploadTree(sftp, root, source, parts, stop)
          : uploadFile(sftp, root, source, parts, stop);
    } catch (RemoteFileRefused | SftpException e) {
      throw refused(host, target, e);
    } catch (IOException e) {
      throw lost(host, e);
    }
  }

  /**
   * Copies {@code base/source} on the host (a file or a directory tree) to the local {@code
   * target}, which must not exist. Symbolic links inside a downloaded tree are refused.
   *
   * @return the number of bytes counted against {@code maxBytes}: those received, and {@value
   *     #ENTRY_BYTES} and its name for every file and directory in a downloaded tree
   */
  public long download(
      HostConnection host, KeyPair key, String base, String source, Path target, long maxBytes)
      throws SshFailure, TransferRefused {
    return download(host, key, base, source, target, maxBytes, NEVER);
  }

  /**
   * {@link #download(HostConnection, KeyPair, String, String, Path, long)}, stopping when {@code
   * stop} says so (what was downloaded so far stays in {@code target}, for the caller to delete).
   */
  public long download(
      HostConnection host,
      KeyPair key,
      String base,
      String source,
      Path target,
      long maxBytes,
      BooleanSupplier stop)
      throws SshFailure, TransferRefused {
    List<String> parts = RemotePaths.parts(source);
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      throw new TransferRefused(target + " exists already");
    }
    RemoteFiles sftp = connections.files(host, key);
    try {
      String root = sftp.canonical(base);
      String path = RemotePaths.resolve(sftp, root, parts);
      Download download =
          new Download(sftp, target.toAbsolutePath().normalize(), maxBytes, stop, source);
      download.entry(path, source, download.root, 0);
      return maxBytes - download.budget;
    } catch (RemoteFileRefused | SftpException e) {
      throw refused(host, source, e);
    } catch (IOException e) {
      throw lost(host, e);
    }
  }

  // ---- what the host lists, and where it goes locally -------------------------------------------

  /**
   * Why {@code name}, as a host listed it in a directory, is no single file name: empty, or with a
   * {@code /}, a backslash or NUL (which could name something outside the directory, here or on the
   * runner); null when it is one. {@code .} and {@code ..} are names (of the directory and its
   * parent), which a listing's reader skips.
   */
  public static String listedNameProblem(String name) {
    if (name == null || name.isEmpty()) {
      return "an empty name";
    }
    if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0 || name.indexOf('\0') >= 0) {
      return "'" + printable(name) + "', which has a '/', a backslash or NUL";
    }
    return null;
  }

  /**
   * The names in the directory {@code path} on the host, sorted, without {@code .} and {@code ..};
   * {@code shown} is the directory as messages name it.
   *
   * @param counted how many entries the copy took already: with these, it may take at most {@value
   *     #MAX_ENTRIES}
   * @throws TransferRefused when the host lists a name that is no single file name ({@link
   *     #listedNameProblem}) or a name twice, or when the copy would pass {@value #MAX_ENTRIES}
   *     entries; or when {@code stop} says so (asked once per name)
   */
  public static List<String> list(
      RemoteFiles files, String path, String shown, int counted, BooleanSupplier stop)
      throws IOException, TransferRefused {
    TreeSet<String> names = new TreeSet<>();
    files.list(
        path,
        name -> {
          checkStop(stop, shown);
          if (".".equals(name) || "..".equals(name)) {
            return;
          }
          String problem = listedNameProblem(name);
          if (problem != null) {
            throw new TransferRefused(
                "the host listed "
                    + problem
                    + " in '"
                    + printable(shown)
                    + "': no file name; nothing was copied (is its SFTP server what it should"
                    + " be?)");
          }
          if (!names.add(name)) {
            throw new TransferRefused(
                "the host listed '" + printable(name) + "' twice in '" + printable(shown) + "'");
          }
          if (counted + names.size() > MAX_ENTRIES) {
            throw new TransferRefused(
                "the copy passed "
                    + MAX_ENTRIES
                    + " files and directories in '"
                    + printable(shown)
                    + "'; at most "
                    + MAX_ENTRIES
                    + " are copied at once");
          }
        });
    return new ArrayList<>(names);
  }

  /**
   * {@code relative} ({@code /}-separated single names) below the local directory {@code root}:
   * refused when it would leave {@code root}, or when this runner's file system encoding cannot
   * hold a name (naming {@code shown}, and the UTF-8 locale that fixes it).
   */
  public static Path localPath(Path root, String relative, String shown) throws TransferRefused {
    Path path = root;
    for (String part : relative.split("/")) {
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        throw new TransferRefused("'" + printable(shown) + "' would leave its directory");
      }
      path = localChild(root, path, part, shown);
    }
    return path;
  }

  /**
   * {@code dir}'s entry {@code name}, checked to stay below {@code root}; see {@link #localPath}.
   */
  static Path localChild(Path root, Path dir, String name, String shown) throws TransferRefused {
    Path child;
    try {
      child = dir.resolve(name);
    } catch (InvalidPathException e) {
      throw unrepresentable(shown);
    }
    Path normalized = child.normalize();
    Path top = root.normalize();
    if (!normalized.startsWith(top) || normalized.equals(top)) {
      throw new TransferRefused("'" + printable(shown) + "' would leave its directory");
    }
    return child;
  }

  /** The refusal of a name that the runner's file names cannot hold. */
  public static TransferRefused unrepresentable(String shown) {
    return new TransferRefused(
        "'"
            + shown
            + "' cannot be named on this runner: its file names are "
            + System.getProperty("sun.jnu.encoding", "of another encoding")
            + " (from its locale); run the runner under a UTF-8 locale (e.g. LANG=C.UTF-8)");
  }

  /** Throws the refusal of a stopped transfer when {@code stop} says so. */
  public static void checkStop(BooleanSupplier stop, String where) throws TransferRefused {
    if (stop.getAsBoolean()) {
      throw new TransferRefused(STOPPED + "the copy was stopped at '" + printable(where) + "'");
    }
  }

  /** {@code name} with control characters (NUL, newlines, ...) as {@code ?}, for messages. */
  static String printable(String name) {
    return name.replaceAll("\\p{Cntrl}", "?");
  }

  // ---- download ------------------------------------------------------------------------------

  /** One download: where it goes and what it may still take. */
  private static final class Download {
    final RemoteFiles sftp;
    final Path root;
    final long maxBytes;
    final BooleanSupplier stop;
    final String source;
    long budget;
    int entries;

    Download(RemoteFiles sftp, Path root, long maxBytes, BooleanSupplier stop, String source) {
      this.sftp = sftp;
      this.root = root;
      this.maxBytes = maxBytes;
      this.budget = maxBytes;
      this.stop = stop;
      this.source = source;
    }

    /**
     * Downloads {@code path} on the host ({@code shown} in messages) to {@code target}, {@code
     * depth} levels below the downloaded directory.
     */
    void entry(String path, String shown, Path target, int depth)
        throws IOException, TransferRefused {
      checkStop(stop, shown);
      if (depth > MAX_DEPTH) {
        throw new TransferRefused(
            "'"
                + printable(source)
                + "' is deeper than "
                + MAX_DEPTH
                + " levels (at '"
                + printable(shown)
                + "'); a tree that deep is not copied");
      }
      RemoteFiles.Entry attributes = sftp.lstat(path);
      if (attributes == null) {
        throw new RemoteFileRefused("SSH_FX_NO_SUCH_FILE", "no such file", null);
      }
      if (attributes.isSymbolicLink()) {
        throw new TransferRefused(path + " is a symbolic link; links are not downloaded");
      }
      if (attributes.isDirectory()) {
        createLocal(target, shown, true);
        List<String> names = list(sftp, path, shown, entries, stop);
        entries += names.size();
        for (String name : names) {
          String child = shown + "/" + name;
          // before anything is made: an empty file or directory costs as much as a tar entry
          charge(ENTRY_BYTES + name.getBytes(StandardCharsets.UTF_8).length, child);
          entry(path + "/" + name, child, localChild(root, target, name, child), depth + 1);
        }
        return;
      }
      if (!attributes.isRegularFile()) {
        throw new TransferRefused(path + " is neither a file nor a directory");
      }
      byte[] buffer = new byte[BUFFER];
      try (InputStream in = sftp.read(path);
          OutputStream out = createLocal(target, shown, false)) {
        int n;
        while ((n = in.read(buffer)) > 0) {
          checkStop(stop, shown);
          charge(n, shown);
          out.write(buffer, 0, n);
        }
      }
    }

    private void charge(long bytes, String shown) throws TransferRefused {
      budget -= bytes;
      if (budget < 0) {
        throw new TransferRefused(
            "download passed its limit of "
                + maxBytes
                + " bytes at "
                + printable(shown)
                + " (every file and directory in a tree counts "
                + ENTRY_BYTES
                + " bytes and its name besides its content)");
      }
    }

    /** Creates the local directory or file {@code target}, new; a file is returned open. */
    private OutputStream createLocal(Path target, String shown, boolean directory)
        throws IOException, TransferRefused {
      try {
        if (directory) {
          Files.createDirectory(target);
          return null;
        }
        return Files.newOutputStream(
            target,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS);
      } catch (FileAlreadyExistsException e) {
        throw new TransferRefused(
            "'"
                + printable(shown)
                + "' is there twice on this runner (its file system does not tell apart names"
                + " that the host does)");
      }
    }
  }

  // ---- upload --------------------------------------------------------------------------------

  private static long uploadTree(
      RemoteFiles sftp, String root, Path source, List<String> parts, BooleanSupplier stop)
      throws IOException, TransferRefused {
    mkdir(sftp, root, parts);
    long sent = 0;
    List<Path> children;
    try (Stream<Path> list = Files.list(source)) {
      children = list.sorted().toList();
    }
    for (Path child : children) {
      checkStop(stop, String.join("/", parts));
      if (Files.isSymbolicLink(child)) {
        throw new TransferRefused(child + " is a symbolic link; links are not uploaded");
      }
      List<String> childParts = new ArrayList<>(parts);
      childParts.add(child.getFileName().toString());
      sent +=
          Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)
              ? uploadTree(sftp, root, child, childParts, stop)
              : uploadFile(sftp, root, child, childParts, stop);
    }
    return sent;
  }

  /** Writes {@code source} under a temporary name next to its destination, then renames it. */
  private static long uploadFile(
      RemoteFiles sftp, String root, Path source, List<String> parts, BooleanSupplier stop)
      throws IOException, TransferRefused {
    String destination = RemotePaths.resolve(sftp, root, parts);
    String temporary =
        destination.substring(0, destination.lastIndexOf('/') + 1)
            + ".slipway-"
            + UUID.randomUUID()
            + ".part";
    String shown = String.join("/", parts);
    boolean placed = false;
    try {
      long sent = 0;
      byte[] buffer = new byte[BUFFER];
      try (InputStream in = Files.newInputStream(source);
          OutputStream out = sftp.createNew(temporary)) {
        int n;
        while ((n = in.read(buffer)) > 0) {
          checkStop(stop, shown);
          out.write(buffer, 0, n);
          sent += n;
        }
      }
      checkStop(stop, shown);
      sftp.replace(temporary, destination);
      placed = true;
      return sent;
    } finally {
      if (!placed) {
        try {
          sftp.remove(temporary);
        } catch (IOException | RuntimeException e) {
          // gone already, or the connection is: the caller hears of the first failure
        }
      }
    }
  }

  /**
   * Makes the directory {@code parts} below {@code root} unless it exists (also when another
   * transfer makes it at the same moment).
   */
  private static void mkdir(RemoteFiles sftp, String root, List<String> parts)
      throws IOException, TransferRefused {
    String dir = RemotePaths.resolve(sftp, root, parts);
    RemoteFiles.Entry existing = sftp.lstat(dir);
    if (existing == null) {
      try {
        sftp.mkdir(dir);
        return;
      } catch (RemoteFileRefused | SftpException e) {
        existing = sftp.lstat(dir);
        if (existing == null) {
          throw e;
        }
      }
    }
    if (!existing.isDirectory()) {
      throw new TransferRefused(String.join("/", parts) + " exists and is not a directory");
    }
  }

  private static long localSize(Path source) throws TransferRefused {
    try (Stream<Path> all = Files.walk(source)) {
      return all.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
          .mapToLong(
              p -> {
                try {
                  return Files.size(p);
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              })
          .sum();
    } catch (IOException | java.io.UncheckedIOException e) {
      throw new TransferRefused("cannot read " + source + ": " + e.getMessage());
    }
  }

  /** The host answered, but said no (no such file, permission denied, ...). */
  private static TransferRefused refused(HostConnection host, String path, IOException e) {
    String reason =
        e instanceof SftpException sftp
            ? SftpConstants.getStatusName(sftp.getStatus())
            : ((RemoteFileRefused) e).reason();
    return new TransferRefused(
        "'" + path + "' on " + host.describe() + ": " + reason + " (" + e.getMessage() + ")");
  }

  private static SshFailure lost(HostConnection host, IOException e) {
    return new SshFailure(SshFailure.Kind.CONNECTION_LOST, host.describe() + ": " + e, e);
  }
}
