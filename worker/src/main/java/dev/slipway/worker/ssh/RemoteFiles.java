package dev.slipway.worker.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A host's file system as the transfer interface uses it: over SFTP ({@link SftpFiles}) where the
 * host offers it, over exec channels ({@link ExecFiles}) where it does not. Paths are absolute and
 * {@code /}-separated. A host that answers but says no (no such file, permission denied) throws
 * {@link RemoteFileRefused}; any other {@link IOException} means the connection failed.
 */
public interface RemoteFiles {

  /** What a path is (links not followed). */
  enum Type {
    FILE,
    DIRECTORY,
    LINK,
    OTHER
  }

  /** A path's type and size (of a file; 0 for others). */
  record Entry(Type type, long size) {
    public boolean isSymbolicLink() {
      return type == Type.LINK;
    }

    public boolean isDirectory() {
      return type == Type.DIRECTORY;
    }

    public boolean isRegularFile() {
      return type == Type.FILE;
    }
  }

  /** {@code path} (a directory) as the host resolves it, without a trailing slash. */
  String canonical(String path) throws IOException;

  /** What {@code path} is, links not followed; null when it does not exist. */
  Entry lstat(String path) throws IOException;

  /** The target of the symbolic link {@code path}, as it is written. */
  String readLink(String path) throws IOException;

  /** Takes the names of a listing one by one; may refuse the listing. */
  @FunctionalInterface
  interface Names {
    void name(String name) throws TransferRefused;
  }

  /**
   * Hands {@code names} the names the host lists in the directory {@code path} as they come,
   * unchecked and in its order (they may include {@code .} and {@code ..}).
   */
  void list(String path, Names names) throws IOException, TransferRefused;

  /** Makes the directory {@code path}; fails if it exists. */
  void mkdir(String path) throws IOException;

  /** The content of the file {@code path}. */
  InputStream read(String path) throws IOException;

  /**
   * Creates the file {@code path}, which must not exist, and returns it open for writing; closing
   * the stream finishes the file (and throws if the host could not write all of it).
   */
  OutputStream createNew(String path) throws IOException;

  /** Renames {@code from} to {@code to}, replacing a file there (atomically where the host can). */
  void replace(String from, String to) throws IOException;

  /** Removes the file {@code path}; a file that is gone already is no error. */
  void remove(String path) throws IOException;
}
