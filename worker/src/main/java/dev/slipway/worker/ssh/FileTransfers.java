package dev.slipway.worker.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;

/**
 * The transfer interface: files and directory trees to and from a host over SFTP, on the host's
 * pooled SSH session and SFTP client, independent of how the host was made. Every remote path is
 * given relative to a base directory (a working directory) and must stay inside it: a path with an
 * empty, {@code .} or {@code ..} part is refused before anything is sent, and a path that leaves
 * the base through a symbolic link is refused once the host has resolved it. A transfer larger than
 * its byte limit is refused (an upload before it starts, a download as soon as it passes the
 * limit).
 */
public final class FileTransfers {

  private static final int BUFFER = 64 * 1024;

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
    List<String> parts = RemotePaths.parts(target);
    if (Files.isSymbolicLink(source)) {
      throw new TransferRefused(source + " is a symbolic link; give its target");
    }
    long size = localSize(source);
    if (size > maxBytes) {
      throw new TransferRefused(
          source + " holds " + size + " bytes, more than the limit of " + maxBytes);
    }
    SftpClient sftp = connections.sftp(host, key);
    try {
      String root = RemotePaths.canonical(sftp, base);
      for (int i = 1; i < parts.size(); i++) {
        mkdir(sftp, root, parts.subList(0, i));
      }
      return Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)
          ? uploadTree(sftp, root, source, parts)
          : uploadFile(sftp, root, source, parts);
    } catch (SftpException e) {
      throw refused(host, target, e);
    } catch (IOException e) {
      throw lost(host, e);
    }
  }

  /**
   * Copies {@code base/source} on the host (a file or a directory tree) to the local {@code
   * target}, which must not exist. Symbolic links inside a downloaded tree are refused.
   *
   * @return the number of bytes received
   */
  public long download(
      HostConnection host, KeyPair key, String base, String source, Path target, long maxBytes)
      throws SshFailure, TransferRefused {
    List<String> parts = RemotePaths.parts(source);
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      throw new TransferRefused(target + " exists already");
    }
    SftpClient sftp = connections.sftp(host, key);
    try {
      String root = RemotePaths.canonical(sftp, base);
      String path = RemotePaths.resolve(sftp, root, parts);
      long[] budget = {maxBytes};
      downloadEntry(sftp, path, target, budget);
      return maxBytes - budget[0];
    } catch (SftpException e) {
      throw refused(host, source, e);
    } catch (IOException e) {
      throw lost(host, e);
    }
  }

  private static long uploadTree(SftpClient sftp, String root, Path source, List<String> parts)
      throws IOException, TransferRefused {
    mkdir(sftp, root, parts);
    long sent = 0;
    List<Path> children;
    try (Stream<Path> list = Files.list(source)) {
      children = list.sorted().toList();
    }
    for (Path child : children) {
      if (Files.isSymbolicLink(child)) {
        throw new TransferRefused(child + " is a symbolic link; links are not uploaded");
      }
      List<String> childParts = new ArrayList<>(parts);
      childParts.add(child.getFileName().toString());
      sent +=
          Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)
              ? uploadTree(sftp, root, child, childParts)
              : uploadFile(sftp, root, child, childParts);
    }
    return sent;
  }

  private static long uploadFile(SftpClient sftp, String root, Path source, List<String> parts)
      throws IOException, TransferRefused {
    String destination = RemotePaths.resolve(sftp, root, parts);
    try (InputStream in = Files.newInputStream(source);
        OutputStream out =
            sftp.write(
                destination,
                BUFFER,
                SftpClient.OpenMode.Write,
                SftpClient.OpenMode.Create,
                SftpClient.OpenMode.Truncate)) {
      return in.transferTo(out);
    }
  }

  private static void downloadEntry(SftpClient sftp, String path, Path target, long[] budget)
      throws IOException, TransferRefused {
    SftpClient.Attributes attributes = sftp.lstat(path);
    if (attributes.isSymbolicLink()) {
      throw new TransferRefused(path + " is a symbolic link; links are not downloaded");
    }
    if (attributes.isDirectory()) {
      Files.createDirectory(target);
      List<String> names = new ArrayList<>();
      for (SftpClient.DirEntry entry : sftp.readDir(path)) {
        String name = entry.getFilename();
        if (!name.equals(".") && !name.equals("..")) {
          names.add(name);
        }
      }
      names.sort(null);
      for (String name : names) {
        downloadEntry(sftp, path + "/" + name, target.resolve(name), budget);
      }
      return;
    }
    if (!attributes.isRegularFile()) {
      throw new TransferRefused(path + " is neither a file nor a directory");
    }
    byte[] buffer = new byte[BUFFER];
    try (InputStream in = sftp.read(path, BUFFER);
        OutputStream out = Files.newOutputStream(target)) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        budget[0] -= n;
        if (budget[0] < 0) {
          throw new TransferRefused("download passed its limit of bytes at " + path);
        }
        out.write(buffer, 0, n);
      }
    }
  }

  /** Makes the directory {@code parts} below {@code root} unless it exists. */
  private static void mkdir(SftpClient sftp, String root, List<String> parts)
      throws IOException, TransferRefused {
    String dir = RemotePaths.resolve(sftp, root, parts);
    SftpClient.Attributes existing = RemotePaths.lstat(sftp, dir);
    if (existing == null) {
      sftp.mkdir(dir);
    } else if (!existing.isDirectory()) {
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
  private static TransferRefused refused(HostConnection host, String path, SftpException e) {
    return new TransferRefused(
        "'"
            + path
            + "' on "
            + host.describe()
            + ": "
            + SftpConstants.getStatusName(e.getStatus())
            + " ("
            + e.getMessage()
            + ")");
  }

  private static SshFailure lost(HostConnection host, IOException e) {
    return new SshFailure(SshFailure.Kind.CONNECTION_LOST, host.describe() + ": " + e, e);
  }
}
