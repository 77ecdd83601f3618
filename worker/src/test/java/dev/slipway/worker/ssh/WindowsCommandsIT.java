package dev.slipway.worker.ssh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commands on a Windows host, against an SSH server in this JVM that answers as OpenSSH for Windows
 * and PowerShell would ({@link FakeWindowsHost}): the pid the command prints first is taken out of
 * its output, and a timeout or an abort sends exactly {@code taskkill /PID <that pid> /T /F} on a
 * second channel of the same connection before the command's channel is closed.
 */
class WindowsCommandsIT extends RealSshHostTest {

  @TempDir static Path dir;

  static FakeWindowsHost windows;
  static WindowsCommands commands;

  private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
  private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

  @BeforeAll
  static void startHost() throws Exception {
    windows = FakeWindowsHost.start(dir);
    start(windows, dir);
    commands = new WindowsCommands(connections, TestSshConfig.QUICK);
  }

  @AfterEach
  void endWhatIsLeft() {
    windows.refuseKills = false;
    windows.endAll();
    await().atMost(Duration.ofSeconds(10)).until(() -> windows.runningPids().isEmpty());
  }

  @Test
  void aCommandsOutputComesWithoutTheBannerOrThePidMarker() throws Exception {
    int before = windows.executedCommands().size();

    ExecResult result = run("Write-Output hello", Duration.ofMinutes(1), () -> false);

    assertEquals(0, (int) result.exitCode());
    assertFalse(result.timedOut() || result.aborted());
    assertEquals("hello\r\n", text(stdout), "neither the banner nor the marker is output");
    List<String> sent = sentSince(before);
    assertEquals(1, sent.size(), "no kill for a command that ended: " + sent);
    String script = FakeWindowsHost.decode(sent.get(0));
    assertTrue(script.startsWith("[Console]::Out.Write('slipway-"), script);
    assertTrue(script.endsWith("\nWrite-Output hello\nexit $LASTEXITCODE"), script);
  }

  @Test
  void anAbortKillsTheCommandsProcessTreeFromASecondChannel() throws Exception {
    int before = windows.executedCommands().size();
    AtomicBoolean abort = new AtomicBoolean();
    Instant started = Instant.now();
    Running running = start(abort::get, Duration.ofMinutes(5));
    long pid = awaitSleeping();

    abort.set(true);
    ExecResult result = running.result();

    assertTrue(result.aborted(), result.toString());
    assertFalse(result.timedOut());
    assertEquals(1, (int) result.exitCode(), "taskkill /F ends the process with exit status 1");
    List<String> sent = sentSince(before);
    assertEquals(2, sent.size(), sent.toString());
    assertEquals("taskkill /PID " + pid + " /T /F", sent.get(1));
    assertFalse(windows.runningPids().contains(pid), "the command's process is gone");
    String token = tokenOf(sent.get(0));
    assertEquals(
        "sleeping\r\n" + token + " 1 " + token + "\r\n",
        text(stdout),
        "the command's own output is passed on whole, a line faking the marker too");
    assertTrue(Duration.between(started, Instant.now()).compareTo(Duration.ofSeconds(30)) < 0);
  }

  @Test
  void aTimeoutKillsTheCommandsProcessTreeFromASecondChannel() throws Exception {
    int before = windows.executedCommands().size();

    ExecResult result = run("Start-Sleep -Seconds 300", Duration.ofSeconds(2), () -> false);

    assertTrue(result.timedOut(), result.toString());
    assertFalse(result.aborted());
    List<String> sent = sentSince(before);
    assertEquals(2, sent.size(), sent.toString());
    assertEquals("taskkill /PID " + windows.lastPid() + " /T /F", sent.get(1));
    assertTrue(windows.runningPids().isEmpty(), "the command's process is gone");
    assertFalse(text(stdout).contains(" 666 "), "the banner's fake marker is not output");
  }

  @Test
  void aKillThatFailsLeavesTheCommandAbortedAndItsChannelClosed() throws Exception {
    windows.refuseKills = true;
    int before = windows.executedCommands().size();
    AtomicBoolean abort = new AtomicBoolean();
    Running running = start(abort::get, Duration.ofMinutes(5));
    long pid = awaitSleeping();

    abort.set(true);
    ExecResult result = running.result();

    assertTrue(result.aborted(), result.toString());
    assertNull(result.exitCode(), "the channel was closed: no exit status");
    List<String> sent = sentSince(before);
    assertEquals(List.of("taskkill /PID " + pid + " /T /F"), sent.subList(1, sent.size()));
    assertEquals(List.of(pid), windows.runningPids(), "the refused kill ended nothing");
  }

  /** A command running on a thread of the test, to be aborted. */
  private record Running(Thread thread, ExecResult[] ended, Exception[] failure) {
    ExecResult result() throws Exception {
      thread.join(Duration.ofSeconds(60).toMillis());
      assertFalse(thread.isAlive(), "the command did not end");
      if (failure[0] != null) {
        throw failure[0];
      }
      return ended[0];
    }
  }

  private Running start(BooleanSupplier abort, Duration timeout) {
    ExecResult[] result = new ExecResult[1];
    Exception[] failure = new Exception[1];
    Thread thread =
        new Thread(
            () -> {
              try {
                result[0] = run("Start-Sleep -Seconds 300", timeout, abort);
              } catch (Exception e) {
                failure[0] = e;
              }
            });
    thread.start();
    return new Running(thread, result, failure);
  }

  /** The pid of the one sleeping command, once it sleeps. */
  private long awaitSleeping() {
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> windows.runningPids().size() == 1 && text(stdout).startsWith("sleeping"));
    return windows.runningPids().get(0);
  }

  private ExecResult run(String command, Duration timeout, BooleanSupplier abort)
      throws SshFailure {
    return commands.run(
        windowsHost(),
        windows.clientKeyPair(),
        "cmd-" + UUID.randomUUID(),
        "C:\\build",
        Map.of("A", "b"),
        command,
        timeout,
        stdout,
        stderr,
        abort);
  }

  private static HostConnection windowsHost() {
    return new HostConnection(
        "res-fake-windows",
        windows.address(),
        windows.port(),
        windows.user(),
        "cred-test",
        windows.hostPublicKey(),
        "windows");
  }

  private static List<String> sentSince(int before) {
    List<String> all = windows.executedCommands();
    return all.subList(before, all.size());
  }

  private static String tokenOf(String powershell) {
    Matcher m =
        Pattern.compile("'(slipway-[0-9a-f]{24}) '").matcher(FakeWindowsHost.decode(powershell));
    assertTrue(m.find());
    return m.group(1);
  }

  private static String text(ByteArrayOutputStream out) {
    return out.toString(StandardCharsets.UTF_8);
  }
}
