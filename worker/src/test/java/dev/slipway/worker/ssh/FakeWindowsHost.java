package dev.slipway.worker.ssh;

import dev.slipway.stack.ChannelCommand;
import dev.slipway.stack.InJvmSshHost;
import dev.slipway.stack.SshKeys;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;

/**
 * An Apache SSHD server in this JVM that answers exec requests as OpenSSH for Windows would for the
 * few commands Slipway sends a Windows host's commands, without running anything: there is no
 * PowerShell on this machine. Every exec request is recorded.
 *
 * <ul>
 *   <li>{@code powershell -NoProfile -NonInteractive -EncodedCommand <base64>}: the script is
 *       decoded; {@link #banner} is printed, then, if the script's first statement is the one that
 *       prints the marked pid, the marker line with a pid of its own (CRLF, as Windows ends lines).
 *       Its command (the line before {@code exit $LASTEXITCODE}) is then played: {@code
 *       Write-Output <text>} prints the text and exits 0; {@code Start-Sleep -Seconds <n>} prints
 *       {@code sleeping} and a line that fakes the marker with the script's own token, then blocks
 *       for n seconds (exit 0) unless its process is killed (exit 1): as on Windows, closing its
 *       channel does not end it.
 *   <li>{@code taskkill /PID <pid> /T /F}: ends that process (exit 1, as {@code /F} makes it) and
 *       says so, exit 0; or says the process was not found (exit 128); or, when kills are {@link
 *       #refuseKills refused}, says access is denied (exit 1) and ends nothing.
 *   <li>anything else: not recognized, exit 1.
 * </ul>
 */
public final class FakeWindowsHost extends InJvmSshHost {

  private static final String POWERSHELL = "powershell -NoProfile -NonInteractive -EncodedCommand ";
  private static final Pattern PID_LINE =
      Pattern.compile(
          "\\[Console]::Out\\.Write\\('(slipway-[0-9a-f]{24}) ' \\+ \\$PID \\+ ' \\1' \\+"
              + " \\[char]10\\); \\[Console]::Out\\.Flush\\(\\)");
  private static final Pattern TASKKILL = Pattern.compile("taskkill /PID ([0-9]+) /T /F");
  private static final Pattern SLEEP = Pattern.compile("Start-Sleep -Seconds ([0-9]+)");

  private final List<String> executed = new ArrayList<>();
  private final Map<Long, Running> running = new ConcurrentHashMap<>();
  private final AtomicLong pids = new AtomicLong(4000 + (System.nanoTime() & 0xfff));

  /** Printed on stdout before anything else, as a host's shell might: it fakes a marker. */
  volatile String banner =
      "Microsoft Windows [Version 10.0.20348]\r\n"
          + "slipway-000000000000000000000000 666 slipway-000000000000000000000000\r\n";

  /** Whether {@code taskkill} is refused (access denied). */
  public volatile boolean refuseKills;

  private FakeWindowsHost(SshServer server) {
    super(server, SshKeys.generate());
  }

  /** Starts a host on a free port, its host key kept under {@code dir}. */
  public static FakeWindowsHost start(Path dir) throws IOException {
    SshServer server = newServer(dir.resolve("fake-windows-host-key"), 0);
    FakeWindowsHost host = new FakeWindowsHost(server);
    server.setCommandFactory((channel, command) -> host.new Exec(command));
    server.start();
    return host;
  }

  /** The exec requests received, oldest first. */
  public List<String> executedCommands() {
    synchronized (executed) {
      return List.copyOf(executed);
    }
  }

  /** The {@code taskkill} requests received, oldest first. */
  public List<String> killsReceived() {
    return executedCommands().stream().filter(c -> c.startsWith("taskkill")).toList();
  }

  /** The pid the last PowerShell process started here printed. */
  public long lastPid() {
    return pids.get();
  }

  /** The pids of the PowerShell processes this host pretends to run now. */
  public List<Long> runningPids() {
    return List.copyOf(running.keySet());
  }

  /**
   * Ends every process this host pretends to run. A closed channel does not end its process here,
   * as it does not reliably on Windows: only taskkill, or this, does.
   */
  public void endAll() {
    running.values().forEach(process -> process.killed.countDown());
  }

  /** The script of {@code powershell -EncodedCommand}, decoded. */
  public static String decode(String commandLine) {
    return new String(
        Base64.getDecoder().decode(commandLine.substring(POWERSHELL.length())),
        StandardCharsets.UTF_16LE);
  }

  /** A PowerShell process this host pretends to run: ended by taskkill, or when it is done. */
  private static final class Running {
    final CountDownLatch killed = new CountDownLatch(1);
  }

  /** One exec request, played on a thread of its own. */
  private final class Exec extends ChannelCommand {
    private final String command;
    private volatile Thread thread;

    Exec(String command) {
      this.command = command;
    }

    @Override
    public void start(ChannelSession channel, Environment env) {
      synchronized (executed) {
        executed.add(command);
      }
      thread = new Thread(this::play, "fake-windows-exec");
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void destroy(ChannelSession channel) {
      Thread playing = thread;
      if (playing != null) {
        playing.interrupt();
      }
    }

    private void play() {
      int status;
      try {
        status = answer();
      } catch (IOException e) {
        return; // the channel is gone
      } catch (InterruptedException e) {
        return; // destroyed: the channel closed
      }
      exit(status);
    }

    private int answer() throws IOException, InterruptedException {
      Matcher kill = TASKKILL.matcher(command);
      if (command.startsWith(POWERSHELL)) {
        return powershell(decode(command));
      } else if (kill.matches()) {
        return taskkill(Long.parseLong(kill.group(1)));
      }
      print(
          err(),
          "'"
              + command.split(" ")[0]
              + "' is not recognized as an internal or external command\r\n");
      return 1;
    }

    private int powershell(String script) throws IOException, InterruptedException {
      String[] lines = script.split("\n");
      print(out(), banner);
      long pid = pids.incrementAndGet();
      Matcher marked = PID_LINE.matcher(lines[0]);
      String token = marked.matches() ? marked.group(1) : null;
      if (token != null) {
        print(out(), token + " " + pid + " " + token + "\r\n");
      }
      String line = lines.length > 1 ? lines[lines.length - 2] : "";
      if (line.startsWith("Write-Output ")) {
        print(out(), line.substring("Write-Output ".length()) + "\r\n");
        return 0;
      }
      Matcher sleep = SLEEP.matcher(line);
      if (!sleep.matches()) {
        print(err(), "The term '" + line + "' is not recognized\r\n");
        return 1;
      }
      Running process = new Running();
      running.put(pid, process);
      try {
        print(out(), "sleeping\r\n");
        print(out(), token + " 1 " + token + "\r\n");
        return process.killed.await(Long.parseLong(sleep.group(1)), TimeUnit.SECONDS) ? 1 : 0;
      } finally {
        running.remove(pid);
      }
    }

    private int taskkill(long pid) throws IOException {
      Running process = running.get(pid);
      if (process == null) {
        print(err(), "ERROR: The process \"" + pid + "\" not found.\r\n");
        return 128;
      }
      if (refuseKills) {
        print(err(), "ERROR: The process with PID " + pid + " could not be terminated.\r\n");
        print(err(), "Reason: Access is denied.\r\n");
        return 1;
      }
      process.killed.countDown();
      print(out(), "SUCCESS: The process with PID " + pid + " has been terminated.\r\n");
      return 0;
    }

    private void print(OutputStream to, String text) throws IOException {
      to.write(text.getBytes(StandardCharsets.UTF_8));
      to.flush();
    }
  }
}
