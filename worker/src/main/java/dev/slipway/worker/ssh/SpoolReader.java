package dev.slipway.worker.ssh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;

/**
 * Reads a command's spool files over SFTP: each output stream from the offset reached so far, and
 * the exit status once it is written. Holds at most one buffer of output, and the two output files
 * open while it follows them. On a host without usable SFTP it reads them through framed exec
 * channels instead ({@link Exec}): both streams and the exit status in one round trip, at most
 * {@value #EXEC_CHUNK} bytes of each stream a time, handed on in pieces of one buffer.
 */
final class SpoolReader {

  /** Receives output in order, per stream, each piece with its offset in its stream. */
  @FunctionalInterface
  public interface Sink {
    void write(String stream, long offset, byte[] data, int length);
  }

  static final String STDOUT = "stdout";
  static final String STDERR = "stderr";

  /** Runs a framed POSIX command on the host ({@link SshConnections#capture}). */
  @FunctionalInterface
  interface Exec {
    SshConnections.Captured capture(String command) throws SshFailure;
  }

  private static final int BUFFER = 64 * 1024;
  static final int EXEC_CHUNK = 1024 * 1024;

  private final String dir;
  private final long[] offsets;
  private final byte[] buffer = new byte[BUFFER];
  private final SftpClient.Handle[] handles = new SftpClient.Handle[2];
  private final SftpClient[] handleOwners = new SftpClient[2];

  /** The exit status the last exec read found (null: none yet), and whether nobody asked since. */
  private Integer execExit;

  private boolean execExitFresh;

  SpoolReader(String dir, long stdoutFrom, long stderrFrom) {
    this.dir = dir;
    this.offsets = new long[] {stdoutFrom, stderrFrom};
  }

  /** Reads what is new in both streams; returns whether anything was. */
  boolean pump(SftpClient sftp, Sink sink) throws IOException {
    boolean any = pump(sftp, 0, "out", STDOUT, sink);
    return pump(sftp, 1, "err", STDERR, sink) || any;
  }

  long stdoutBytes() {
    return offsets[0];
  }

  long stderrBytes() {
    return offsets[1];
  }

  /** The exit status the wrapper wrote, or null while the command runs. */
  Integer exitStatus(SftpClient sftp) throws IOException {
    if (!exists(sftp, dir + "/exit")) {
      return null;
    }
    try (SftpClient.CloseableHandle file = sftp.open(dir + "/exit", SftpClient.OpenMode.Read)) {
      int n = sftp.read(file, 0, buffer, 0, 32);
      String text = n <= 0 ? "" : new String(buffer, 0, n, StandardCharsets.US_ASCII).trim();
      return text.isEmpty() ? null : Integer.valueOf(text);
    } catch (SftpException e) {
      if (e.getStatus() == SftpConstants.SSH_FX_NO_SUCH_FILE) {
        return null;
      }
      throw e;
    }
  }

  /** Whether the spool directory exists, i.e. the command was started. */
  boolean started(SftpClient sftp) throws IOException {
    return exists(sftp, dir);
  }

  /**
   * Whether {@code path} exists. A file that may not be there yet is looked up before it is opened:
   * some SFTP servers lose a file handle to every open that fails (Apache SSHD with its default
   * counted handles) and later hand out one still in use, whose reads then return another file's
   * bytes. A failed {@code stat} takes no handle.
   */
  private static boolean exists(SftpClient sftp, String path) throws IOException {
    try {
      sftp.stat(path);
      return true;
    } catch (SftpException e) {
      if (e.getStatus() == SftpConstants.SSH_FX_NO_SUCH_FILE) {
        return false;
      }
      throw e;
    }
  }

  /** Reads what is new in both streams (and the exit status) over exec; whether anything was. */
  boolean pump(Exec exec, Sink sink) throws IOException, SshFailure {
    SshConnections.Captured read =
        exec.capture(SpoolScripts.read(dir, offsets[0], offsets[1], EXEC_CHUNK));
    byte[] out = read.stdout();
    byte[] err = read.stderr();
    int newline = out == null ? -1 : indexOf(out, (byte) '\n');
    if (newline < 0 || err == null || read.exitStatus() == null || read.exitStatus() != 0) {
      throw new IOException("reading the spool of " + dir + " was cut short");
    }
    String exit = new String(out, 0, newline, StandardCharsets.US_ASCII).trim();
    if (execExit == null && !exit.equals("-") && !exit.isEmpty()) {
      execExit = Integer.valueOf(exit);
    }
    execExitFresh = true;
    boolean any = deliver(0, STDOUT, out, newline + 1, sink);
    return deliver(1, STDERR, err, 0, sink) || any;
  }

  /** The exit status the wrapper wrote, or null while the command runs; read over exec. */
  Integer exitStatus(Exec exec) throws IOException, SshFailure {
    if (execExit != null || execExitFresh) {
      execExitFresh = false; // as the pump just read it
      return execExit;
    }
    SshConnections.Captured read = exec.capture(SpoolScripts.read(dir, 0, 0, 0));
    byte[] out = read.stdout();
    int newline = out == null ? -1 : indexOf(out, (byte) '\n');
    if (newline < 0) {
      throw new IOException("reading the exit status of " + dir + " was cut short");
    }
    String exit = new String(out, 0, newline, StandardCharsets.US_ASCII).trim();
    if (!exit.equals("-") && !exit.isEmpty()) {
      execExit = Integer.valueOf(exit);
    }
    return execExit;
  }

  /** The next {@link #exitStatus(Exec)} asks the host again (the last pump's answer is old). */
  void stale() {
    execExitFresh = false;
  }

  private boolean deliver(int index, String stream, byte[] data, int from, Sink sink) {
    boolean any = false;
    for (int at = from; at < data.length; at += BUFFER) {
      int n = Math.min(BUFFER, data.length - at);
      byte[] piece = new byte[n];
      System.arraycopy(data, at, piece, 0, n);
      sink.write(stream, offsets[index], piece, n);
      offsets[index] += n;
      any = true;
    }
    return any;
  }

  private static int indexOf(byte[] bytes, byte b) {
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private boolean pump(SftpClient sftp, int index, String file, String stream, Sink sink)
      throws IOException {
    if (handles[index] == null) {
      if (!exists(sftp, dir + "/" + file)) {
        return false; // not written yet
      }
      try {
        handles[index] = sftp.open(dir + "/" + file, SftpClient.OpenMode.Read);
        handleOwners[index] = sftp;
      } catch (SftpException e) {
        if (e.getStatus() == SftpConstants.SSH_FX_NO_SUCH_FILE) {
          return false; // not written yet
        }
        throw e;
      }
    }
    boolean any = false;
    int n;
    while ((n = sftp.read(handles[index], offsets[index], buffer, 0, buffer.length)) > 0) {
      sink.write(stream, offsets[index], buffer, n);
      offsets[index] += n;
      any = true;
    }
    return any;
  }

  /** Closes the spool files it holds open (their handles die with a lost connection anyway). */
  void close() {
    for (int i = 0; i < handles.length; i++) {
      if (handles[i] != null && handleOwners[i].isOpen()) {
        try {
          handleOwners[i].close(handles[i]);
        } catch (IOException e) {
          // the connection is going or gone: nothing is left to close
        }
      }
      handles[i] = null;
      handleOwners[i] = null;
    }
  }
}
