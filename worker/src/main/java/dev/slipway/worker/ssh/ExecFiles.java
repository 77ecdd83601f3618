package dev.slipway.worker.ssh;

import dev.slipway.common.platform.PosixShell;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.EnumSet;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;

/**
 * {@link RemoteFiles} over exec channels, for POSIX hosts without a usable SFTP subsystem: each
 * operation is a short script of Slipway's own (POSIX sh, {@code cat}, {@code mv}, {@code
 * readlink}) on the host's pooled session, its answer framed by a token of its own ({@link
 * Framing}) so that a login shell's banner never reads as part of it. File content streams through
 * the channel ({@code cat}); a file is written under the name given, created new ({@code set -C}).
 */
final class ExecFiles implements RemoteFiles {

  private static final String CANONICAL = "cd -P -- \"$1\" && pwd -P";

  private static final String LSTAT =
      """
      if [ -L "$1" ]; then echo l
      elif [ -d "$1" ]; then echo d
      elif [ -f "$1" ]; then echo f; wc -c < "$1"
      elif [ -e "$1" ]; then echo o
      else echo n; fi""";

  private static final String NAMES =
      """
      cd -- "$1" || exit 1
      for f in * .[!.]* ..?*; do
        if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\\000' "$f"; fi
      done""";

  private final SshConnections connections;
  private final HostConnection host;
  private final KeyPair key;

  ExecFiles(SshConnections connections, HostConnection host, KeyPair key) {
    this.connections = connections;
    this.host = host;
    this.key = key;
  }

  @Override
  public String canonical(String path) throws IOException {
    String resolved = text(answer(CANONICAL, "canonical", path)).strip();
    return resolved.length() > 1 && resolved.endsWith("/")
        ? resolved.substring(0, resolved.length() - 1)
        : resolved;
  }

  @Override
  public Entry lstat(String path) throws IOException {
    String[] lines = text(answer(LSTAT, "lstat", path)).strip().split("\\s+");
    return switch (lines[0]) {
      case "l" -> new Entry(Type.LINK, 0);
      case "d" -> new Entry(Type.DIRECTORY, 0);
      case "f" -> new Entry(Type.FILE, lines.length > 1 ? Long.parseLong(lines[1]) : 0);
      case "o" -> new Entry(Type.OTHER, 0);
      case "n" -> null;
      default -> throw new IOException(host.describe() + ": cannot read what '" + path + "' is");
    };
  }

  @Override
  public String readLink(String path) throws IOException {
    String target = text(answer("readlink -- \"$1\"", "readlink", path));
    return target.endsWith("\n") ? target.substring(0, target.length() - 1) : target;
  }

  @Override
  public void list(String path, Names names) throws IOException, TransferRefused {
    byte[] listed = answer(NAMES, "list", path);
    int from = 0;
    for (int i = 0; i < listed.length; i++) {
      if (listed[i] == 0) {
        names.name(new String(listed, from, i - from, StandardCharsets.UTF_8));
        from = i + 1;
      }
    }
  }

  @Override
  public void mkdir(String path) throws IOException {
    answer("mkdir -- \"$1\"", "mkdir", path);
  }

  @Override
  public InputStream read(String path) throws IOException {
    Framing framing = Framing.random();
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    Framing.AfterOpening stderr = framing.after(bounded(errors));
    ChannelExec channel =
        open(framing.open(PosixShell.callScript("exec cat -- \"$1\"", "read", path)), stderr);
    InputStream content = framing.after(channel.getInvertedOut());
    return new InputStream() {
      private boolean ended;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n <= 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        // whole buffers, as SFTP gives them: a reader asks about stopping once per buffer
        int n = 0;
        while (n < len) {
          int got = content.read(b, off + n, len - n);
          if (got < 0) {
            break;
          }
          n += got;
        }
        if (n > 0 || len == 0) {
          return n;
        }
        n = -1;
        if (!ended) {
          ended = true;
          Integer status = await(channel);
          if (status == null || status != 0) {
            stderr.finish();
            throw refused(path, status, errors);
          }
        }
        return n;
      }

      @Override
      public void close() {
        channel.close(true);
      }
    };
  }

  @Override
  public OutputStream createNew(String path) throws IOException {
    Framing framing = Framing.random();
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    Framing.AfterOpening stderr = framing.after(bounded(errors));
    ChannelExec channel =
        open(
            framing.open(PosixShell.callScript("set -C; exec cat > \"$1\"", "write", path)),
            stderr);
    return new FilterOutputStream(channel.getInvertedIn()) {
      private boolean closed;

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        if (closed) {
          return;
        }
        closed = true;
        try {
          out.close(); // end of file for cat
          Integer status = await(channel);
          if (status == null || status != 0) {
            stderr.finish();
            throw refused(path, status, errors);
          }
        } finally {
          channel.close(true);
        }
      }
    };
  }

  @Override
  public void replace(String from, String to) throws IOException {
    answer("mv -f -- \"$1\" \"$2\"", "replace", from, to);
  }

  @Override
  public void remove(String path) throws IOException {
    answer("rm -f -- \"$1\"", "remove", path);
  }

  /** Runs {@code body} with {@code args}; its stdout, or the refusal its stderr explains. */
  private byte[] answer(String body, String name, String... args) throws IOException {
    SshConnections.Captured captured;
    try {
      captured = connections.capture(host, key, PosixShell.callScript(body, name, args), null);
    } catch (SshFailure e) {
      throw new IOException(e.getMessage(), e);
    }
    if (captured.stdout() == null || captured.exitStatus() == null) {
      throw new IOException(host.describe() + ": the answer to " + name + " was cut short");
    }
    if (captured.exitStatus() != 0) {
      String why = captured.stderrText().strip();
      throw new RemoteFileRefused(
          name + " failed", why.isEmpty() ? "exit status " + captured.exitStatus() : why, null);
    }
    return captured.stdout();
  }

  private ChannelExec open(String command, OutputStream stderr) throws IOException {
    try {
      return connections.open(host, key, command, stderr);
    } catch (SshFailure e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  private static Integer await(ChannelExec channel) throws IOException {
    // a channel ends with its session at the latest
    channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), 0);
    return channel.getExitStatus();
  }

  private RemoteFileRefused refused(String path, Integer status, ByteArrayOutputStream errors) {
    String why = errors.toString(StandardCharsets.UTF_8).strip();
    if (why.isEmpty()) {
      why = status == null ? "no exit status" : "exit status " + status;
    }
    return new RemoteFileRefused("refused", "'" + path + "': " + why, null);
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** {@code into}, taking at most 4 KiB (an error message) and dropping the rest. */
  private static OutputStream bounded(ByteArrayOutputStream into) {
    return new OutputStream() {
      @Override
      public void write(int b) {
        if (into.size() < 4096) {
          into.write(b);
        }
      }

      @Override
      public void write(byte[] b, int off, int len) {
        into.write(b, off, Math.max(0, Math.min(len, 4096 - into.size())));
      }
    };
  }
}
