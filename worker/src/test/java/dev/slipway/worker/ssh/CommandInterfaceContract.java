package dev.slipway.worker.ssh;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.common.platform.Platform;
import dev.slipway.stack.SshKeys;
import dev.slipway.stack.TestSshHost;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * What the command interface promises on a POSIX host, run against a real SSH server: the same
 * tests for Apache SSHD in this JVM ({@link ApacheSshdCommandIT}) and Debian's OpenSSH sshd ({@link
 * OpenSshCommandIT}). The host is this machine, so the tests look at its processes and files.
 */
abstract class CommandInterfaceContract extends RealSshHostTest {

  static final Duration LONG = Duration.ofMinutes(2);

  static DetachedCommands commands;

  protected static void start(TestSshHost started, Path dir) {
    RealSshHostTest.start(started, dir);
    commands = new DetachedCommands(connections, TestSshConfig.QUICK);
  }

  static HostConnection hostConnection() {
    return target(host, "res-" + host.getClass().getSimpleName());
  }

  /** Output collected per stream, with the largest piece handed over at once. */
  static final class Collected implements SpoolReader.Sink {
    final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    final AtomicLong bytes = new AtomicLong();
    int largestPiece;
    final boolean keep;

    Collected(boolean keep) {
      this.keep = keep;
    }

    @Override
    public synchronized void write(String stream, long offset, byte[] data, int length) {
      ByteArrayOutputStream into = stream.equals(SpoolReader.STDOUT) ? stdout : stderr;
      long expected = stream.equals(SpoolReader.STDOUT) ? stdoutEnd : stderrEnd;
      assertEquals(expected, offset, stream + " piece out of order");
      if (stream.equals(SpoolReader.STDOUT)) {
        stdoutEnd += length;
      } else {
        stderrEnd += length;
      }
      if (keep) {
        into.write(data, 0, length);
      }
      bytes.addAndGet(length);
      largestPiece = Math.max(largestPiece, length);
    }

    long stdoutEnd;
    long stderrEnd;

    String out() {
      return stdout.toString(StandardCharsets.UTF_8);
    }

    String err() {
      return stderr.toString(StandardCharsets.UTF_8);
    }
  }

  static String newId() {
    return "cmd-" + UUID.randomUUID();
  }

  static ExecResult run(String script, Duration timeout, Collected sink) throws SshFailure {
    return run(newId(), script, timeout, sink, () -> false);
  }

  static ExecResult run(
      String id,
      String script,
      Duration timeout,
      SpoolReader.Sink sink,
      java.util.function.BooleanSupplier abort)
      throws SshFailure {
    return run(commands, id, script, timeout, sink, abort);
  }

  /** Runs {@code script} as command {@code id} through {@code on}, never aborted. */
  static ExecResult run(DetachedCommands on, String id, String script, SpoolReader.Sink sink)
      throws SshFailure {
    return run(on, id, script, LONG, sink, () -> false);
  }

  private static ExecResult run(
      DetachedCommands on,
      String id,
      String script,
      Duration timeout,
      SpoolReader.Sink sink,
      java.util.function.BooleanSupplier abort)
      throws SshFailure {
    return on.run(
        hostConnection(),
        host.clientKeyPair(),
        DetachedCommands.Spec.first(id, script, Instant.now(), timeout),
        sink,
        abort);
  }

  /** How running {@code true} on {@code target} with {@code key} through {@code on} fails. */
  static SshFailure refusal(DetachedCommands on, HostConnection target, KeyPair key) {
    return assertThrows(
        SshFailure.class,
        () ->
            on.run(
                target,
                key,
                DetachedCommands.Spec.first(newId(), "true", Instant.now(), LONG),
                new Collected(true),
                () -> false));
  }

  /** A marker no other process on this machine has in its command line. */
  static String marker() {
    return "9" + ThreadLocalRandom.current().nextInt(10_000_000, 99_999_999);
  }

  /** Processes of this machine whose command line contains {@code text}, this test's excepted. */
  static List<String> processesWith(String text) throws IOException, InterruptedException {
    Process ps = new ProcessBuilder("ps", "-eo", "pid=,args=").start();
    String out = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    ps.waitFor();
    List<String> found = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (line.contains(text) && !line.contains("ps -eo")) {
        found.add(line.trim());
      }
    }
    return found;
  }

  /**
   * Secrets reach the command as environment variables through the starter's standard input: never
   * in a command line on the host, where {@code ps} shows them to every user, and not left in the
   * spool directory.
   */
  @Test
  void secretExportsReachTheCommandButNoCommandLineAndAreNotLeftOnDisk() throws Exception {
    String secret = "s3cret-" + marker() + " 'quoted' $(touch never)";
    String id = newId();
    Collected out = new Collected(true);
    java.util.concurrent.Future<ExecResult> running =
        java.util.concurrent.Executors.newSingleThreadExecutor()
            .submit(
                () ->
                    commands.run(
                        hostConnection(),
                        host.clientKeyPair(),
                        DetachedCommands.Spec.first(
                                id, "echo \"[$TOKEN]\"; sleep 2", Instant.now(), LONG)
                            .withSecretExports(
                                "export TOKEN="
                                    + dev.slipway.common.platform.Platform.LINUX
                                        .shell()
                                        .quote(secret)
                                    + "\n"),
                        out,
                        () -> false));
    String visible = secret.substring(0, secret.indexOf(' '));
    while (!running.isDone()) {
      assertEquals(List.of(), processesWith(visible), "the secret is in a command line");
      Thread.sleep(100); // sampling the process table while the command runs
    }
    assertEquals(0, running.get().exitCode(), out.err());
    assertEquals("[" + secret + "]\n", out.out());
    Collected left = new Collected(true);
    run("ls -a " + TestSshConfig.QUICK.spoolDir() + "/" + id, LONG, left);
    assertFalse(left.out().contains("env"), left.out());
  }

  @Test
  void commandReportsItsOutputAndExitCode() throws Exception {
    Collected out = new Collected(true);
    ExecResult result = run("echo out; echo err >&2; exit 7", LONG, out);
    assertEquals(7, result.exitCode());
    assertFalse(result.timedOut());
    assertEquals("out\n", out.out());
    assertEquals("err\n", out.err());
    assertEquals(4, result.stdoutBytes());
    assertEquals(4, result.stderrBytes());
  }

  /**
   * Output written after quiet spells (read on the starter's wake-up, or at a poll) arrives whole
   * and in order, a last line without a newline too; and the tail that sends the wake-ups ends with
   * the command.
   */
  @Test
  void outputAfterQuietSpellsArrivesWholeAndTheWakeupTailEndsWithTheCommand() throws Exception {
    String id = newId();
    Collected out = new Collected(true);
    ExecResult result =
        run(
            id,
            "for i in 1 2 3 4 5; do sleep 0.$i; echo \"out $i\"; echo \"err $i\" >&2; done;"
                + " sleep 0.3; printf last",
            LONG,
            out,
            () -> false);
    assertEquals(0, result.exitCode());
    assertEquals("out 1\nout 2\nout 3\nout 4\nout 5\nlast", out.out());
    assertEquals("err 1\nerr 2\nerr 3\nerr 4\nerr 5\n", out.err());
    await("no process follows the spool any more")
        .atMost(Duration.ofSeconds(10))
        .until(() -> processesWith(id + "/out").isEmpty());
  }

  @Test
  void tenThousandInterleavedLinesKeepTheirOrderInEachStream() throws Exception {
    Collected out = new Collected(true);
    ExecResult result =
        run(
            "i=0; while [ $i -lt 10000 ]; do echo \"out $i\"; echo \"err $i\" >&2; i=$((i+1));"
                + " done",
            LONG,
            out);
    assertEquals(0, result.exitCode());
    String[] stdout = out.out().split("\n");
    String[] stderr = out.err().split("\n");
    assertEquals(10_000, stdout.length);
    assertEquals(10_000, stderr.length);
    for (int i = 0; i < 10_000; i++) {
      assertEquals("out " + i, stdout[i]);
      assertEquals("err " + i, stderr[i]);
    }
  }

  @Test
  void fiftyMegabytesStreamInPiecesOfAtMostOneBuffer() throws Exception {
    Collected out = new Collected(false);
    ExecResult result = run("head -c 52428800 /dev/zero | tr '\\0' x | fold -w 99", LONG, out);
    assertEquals(0, result.exitCode());
    long expected = 52_428_800L + 52_428_800L / 99; // a newline after every full 99 bytes
    assertEquals(expected, out.bytes.get());
    assertEquals(expected, result.stdoutBytes());
    assertTrue(out.largestPiece <= 64 * 1024, "largest piece " + out.largestPiece);
  }

  @Test
  void twentyConcurrentCommandsShareOneConnection() throws Exception {
    try (SshConnections fresh = connect()) {
      DetachedCommands own = new DetachedCommands(fresh, TestSshConfig.QUICK);
      ExecutorService pool = Executors.newFixedThreadPool(20);
      try {
        List<Future<Collected>> runs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          runs.add(
              pool.submit(
                  () -> {
                    Collected out = new Collected(true);
                    ExecResult r = run(own, newId(), "sleep 1; echo done", out);
                    assertEquals(0, r.exitCode());
                    return out;
                  }));
        }
        for (Future<Collected> run : runs) {
          assertEquals("done\n", run.get(2, TimeUnit.MINUTES).out());
        }
      } finally {
        pool.shutdownNow();
      }
      assertEquals(1, fresh.connectionsOpened(), "SSH connections opened for 20 commands");
    }
  }

  @Test
  void timeoutKillsTheWholeProcessGroup() throws Exception {
    String mark = marker();
    Collected out = new Collected(true);
    ExecResult result =
        run("sleep " + mark + " & sleep " + mark + "; echo never", Duration.ofSeconds(2), out);
    assertTrue(result.timedOut());
    assertFalse(out.out().contains("never"));
    assertEquals(List.of(), processesWith("sleep " + mark));
  }

  @Test
  void abortKillsTheWholeProcessGroup() throws Exception {
    String mark = marker();
    Instant abortAt = Instant.now().plusSeconds(1);
    ExecResult result =
        run(
            newId(),
            "(sleep " + mark + "; echo child) & sleep " + mark,
            LONG,
            new Collected(true),
            () -> Instant.now().isAfter(abortAt));
    assertTrue(result.aborted());
    assertFalse(result.timedOut());
    assertEquals(List.of(), processesWith("sleep " + mark));
  }

  @Test
  void aHostPresentingAnotherKeyIsRefused() {
    String other = SshKeys.publicKeyLine(SshKeys.generate().getPublic());
    SshFailure failure =
        refusal(
            commands,
            new HostConnection(
                "res-mismatch",
                host.address(),
                host.port(),
                host.user(),
                "cred-test",
                other,
                "linux"),
            host.clientKeyPair());
    assertEquals(SshFailure.Kind.HOST_KEY_MISMATCH, failure.kind());
    assertTrue(failure.getMessage().contains("host key mismatch"), failure.getMessage());
  }

  @Test
  void aKeyTheHostDoesNotKnowIsRefused() {
    KeyPair stranger = SshKeys.generate();
    SshFailure failure =
        refusal(commands, hostConnection().withResourceId("res-stranger"), stranger);
    assertEquals(SshFailure.Kind.AUTH_FAILED, failure.kind());
  }

  @Test
  void hostileValuesExecuteNothing() throws Exception {
    Path victim = workDir.resolve("pwned-" + marker());
    String v = victim.toString();
    List<String> hostile =
        List.of(
            "$(touch " + v + ")",
            "`touch " + v + "`",
            "'; touch " + v + "; '",
            "\"; touch " + v + "; \"",
            "a\ntouch " + v,
            "x; touch " + v,
            "x & touch " + v,
            "x | touch " + v,
            "${IFS}$(touch " + v + ")",
            "ünïcödé ✓ $(touch " + v + ")");
    for (String value : hostile) {
      String script =
          Platform.LINUX
              .shell()
              .script(
                  null,
                  Map.of("VALUE", value),
                  Platform.LINUX
                      .shell()
                      .substitute("printf '%s|' ${v} \"$VALUE\"", Map.of("v", value)));
      Collected out = new Collected(true);
      ExecResult result = run(script, LONG, out);
      assertEquals(0, result.exitCode(), out.err());
      assertEquals(value + "|" + value + "|", out.out());
      assertFalse(Files.exists(victim), "executed: " + value);
    }
  }

  @Test
  void aSecondRunnerReattachesWithoutStartingTheCommandAgain() throws Exception {
    String id = newId();
    Path ranFile = workDir.resolve("ran-" + id);
    String script =
        "echo once >> "
            + Platform.LINUX.shell().quote(ranFile.toString())
            + "; for i in 1 2 3 4 5 6; do echo line $i; sleep 0.5; done; exit 5";
    // the first runner follows until it has seen two lines, then dies (its thread is stopped)
    Collected first = new Collected(true);
    AtomicBoolean gone = new AtomicBoolean();
    ExecutorService dying = Executors.newSingleThreadExecutor();
    try (SshConnections own = connect()) {
      DetachedCommands firstRunner = new DetachedCommands(own, TestSshConfig.QUICK);
      Future<ExecResult> followed =
          dying.submit(
              () ->
                  firstRunner.run(
                      hostConnection(),
                      host.clientKeyPair(),
                      DetachedCommands.Spec.first(id, script, Instant.now(), LONG),
                      (stream, offset, data, length) -> {
                        if (gone.get()) {
                          throw new IllegalStateException("dead runner");
                        }
                        first.write(stream, offset, data, length);
                        if (first.out().split("\n").length >= 2) {
                          gone.set(true);
                          throw new IllegalStateException("runner dies");
                        }
                      },
                      () -> false));
      try {
        followed.get(1, TimeUnit.MINUTES);
      } catch (java.util.concurrent.ExecutionException expected) {
        // the first runner died mid-command
      }
    } finally {
      dying.shutdownNow();
    }
    long resumeAt = first.stdoutEnd;
    Collected second = new Collected(true);
    second.stdoutEnd = resumeAt;
    ExecResult result =
        commands.run(
            hostConnection(),
            host.clientKeyPair(),
            DetachedCommands.Spec.again(id, script, Instant.now(), LONG, resumeAt, 0),
            second,
            () -> false);
    assertEquals(5, result.exitCode());
    String all = first.out() + second.out();
    assertEquals("line 1\nline 2\nline 3\nline 4\nline 5\nline 6\n", all);
    assertEquals(List.of("once"), Files.readAllLines(ranFile));
  }

  /**
   * Commands followed at once over one pooled connection that is dropped again and again each end
   * with their own output, whole, or, where the drop killed the starter before the command ran,
   * without an exit status and without having run: a follow that reconnects never reads another
   * command's spool, never loses a line, and never ends as a runner error. (The in-process server
   * once handed out SFTP handles still in use, and the crash suite read another command's output; a
   * channel refused on a closing connection used to escape as an IllegalStateException.)
   */
  @Test
  void concurrentCommandsKeepTheirOwnOutputWhileTheConnectionDrops() throws Exception {
    DetachedCommands patient = new DetachedCommands(connections, TestSshConfig.PATIENT);
    ExecutorService runners = Executors.newFixedThreadPool(8);
    AtomicBoolean done = new AtomicBoolean();
    AtomicLong drops = new AtomicLong();
    Thread dropper =
        new Thread(
            () -> {
              long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
              while (!done.get() && System.nanoTime() < until) {
                try {
                  Thread.sleep(ThreadLocalRandom.current().nextInt(300, 700));
                } catch (InterruptedException e) {
                  return;
                }
                connections.drop(hostConnection());
                drops.incrementAndGet();
              }
            },
            "dropper");
    List<Future<String>> outcomes = new ArrayList<>();
    int exited = 0;
    try {
      dropper.start();
      for (int i = 0; i < 40; i++) {
        int n = i;
        outcomes.add(
            runners.submit(
                () -> {
                  String id = newId();
                  Path ran = workDir.resolve("ran-" + id);
                  Collected out = new Collected(true);
                  String script =
                      "echo once >> "
                          + Platform.LINUX.shell().quote(ran.toString())
                          + "; echo begin "
                          + n
                          + "; sleep 0."
                          + (5 + n % 5)
                          + "; echo end "
                          + n;
                  ExecResult result = run(patient, id, script, out);
                  List<String> runs = Files.exists(ran) ? Files.readAllLines(ran) : List.of();
                  if (result.exitCode() == null) {
                    assertEquals(
                        List.of(), runs, "a command without an exit status ran: " + result);
                    return null;
                  }
                  assertEquals(List.of("once"), runs);
                  assertEquals(0, (int) result.exitCode(), out.err());
                  assertEquals("begin " + n + "\nend " + n + "\n", out.out(), "command " + n);
                  return out.out();
                }));
      }
      for (Future<String> outcome : outcomes) {
        exited += outcome.get(3, TimeUnit.MINUTES) == null ? 0 : 1;
      }
    } finally {
      done.set(true);
      dropper.join();
      runners.shutdownNow();
    }
    assertTrue(drops.get() >= 5, "the connection was dropped " + drops + " times");
    assertTrue(exited >= 20, exited + " of 40 commands ended with an exit status");
  }

  /** The spool directory of command {@code id} on the host (this machine). */
  static Path spool(String id) throws SshFailure {
    return Path.of(
        connections.home(hostConnection(), host.clientKeyPair()),
        TestSshConfig.QUICK.spoolDir(),
        id);
  }

  static boolean nonEmpty(Path file) throws IOException {
    try {
      return Files.size(file) > 0;
    } catch (java.nio.file.NoSuchFileException e) {
      return false;
    }
  }

  /** A {@code sleep 300} in a process group of its own: a process that got a recorded pid. */
  static Process bystander() throws IOException {
    return new ProcessBuilder("setsid", "sleep", "300").start();
  }

  /**
   * A reboot, simulated: the running command's spool records another boot's id, and its pid is now
   * an unrelated process group's. The abort must not signal that group; the command is lost.
   */
  @Test
  void anAbortAfterARebootSignalsNothingAndTheCommandIsLost() throws Exception {
    String id = newId();
    String mark = marker();
    AtomicBoolean abort = new AtomicBoolean();
    ExecutorService runner = Executors.newSingleThreadExecutor();
    Process sleep = null;
    try {
      Future<ExecResult> running =
          runner.submit(
              () -> run(id, "echo started; sleep " + mark, LONG, new Collected(true), abort::get));
      Path spool = spool(id);
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!(nonEmpty(spool.resolve("pid")) && nonEmpty(spool.resolve("out")))) {
        assertTrue(System.nanoTime() < until, "the command did not start in 30s");
        Thread.sleep(50);
      }
      String boot = Files.readString(spool.resolve("boot")).strip();
      assertEquals(
          Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip(),
          boot,
          "the boot the command started in");
      sleep = bystander();
      Files.writeString(spool.resolve("boot"), UUID.randomUUID() + "\n");
      Files.writeString(spool.resolve("pid"), sleep.pid() + "\n");

      abort.set(true);
      ExecResult result = running.get(1, TimeUnit.MINUTES);

      assertEquals(ExecResult.REBOOTED, result.lost());
      assertEquals(null, result.exitCode());
      assertTrue(sleep.isAlive(), "the process that got the recorded pid was signalled");
      assertFalse(sleep.waitFor(1, TimeUnit.SECONDS), "it died after the abort");
    } finally {
      runner.shutdownNow();
      if (sleep != null) {
        sleep.destroyForcibly();
      }
      // the command itself still runs: its sleep is killed by pid (never by group through
      // /usr/bin/kill: procps-ng 4.0.2 turns "kill -KILL -PGID" into kill(-1, SIGKILL))
      killAll("sleep " + mark);
    }
  }

  /** Kills, one by one by pid, this machine's processes whose command line has {@code text}. */
  static void killAll(String text) throws IOException, InterruptedException {
    for (String line : processesWith(text)) {
      long pid = Long.parseLong(line.split("\\s+", 2)[0]);
      if (pid > 1) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
  }

  /**
   * A runner re-attaching after a reboot to a command whose timeout has passed: it neither kills
   * the group its spool names nor waits for it, and reports the command lost.
   */
  @Test
  void aReattachAfterARebootSignalsNothingAndTheCommandIsLost() throws Exception {
    String id = newId();
    Path spool = spool(id);
    Files.createDirectories(spool);
    Process sleep = bystander();
    try {
      Files.writeString(spool.resolve("boot"), UUID.randomUUID() + "\n");
      Files.writeString(spool.resolve("pid"), sleep.pid() + "\n");
      Files.writeString(spool.resolve("out"), "before the reboot\n");
      Files.writeString(spool.resolve("err"), "");
      Collected out = new Collected(true);

      ExecResult result =
          commands.run(
              hostConnection(),
              host.clientKeyPair(),
              DetachedCommands.Spec.again(
                  id, "echo never", Instant.now().minusSeconds(600), Duration.ofMinutes(1), 0, 0),
              out,
              () -> true);

      assertEquals(ExecResult.REBOOTED, result.lost());
      assertEquals("before the reboot\n", out.out());
      assertTrue(sleep.isAlive(), "the process that got the recorded pid was signalled");
      assertFalse(sleep.waitFor(1, TimeUnit.SECONDS), "it died after the re-attach");
    } finally {
      sleep.destroyForcibly();
    }
  }

  /** Where no boot id was recorded (a spool of an earlier version), an abort kills as before. */
  @Test
  void withoutARecordedBootIdAnAbortStillKills() throws Exception {
    String id = newId();
    String mark = marker();
    AtomicBoolean abort = new AtomicBoolean();
    ExecutorService runner = Executors.newSingleThreadExecutor();
    try {
      Future<ExecResult> running =
          runner.submit(
              () -> run(id, "echo started; sleep " + mark, LONG, new Collected(true), abort::get));
      Path spool = spool(id);
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!nonEmpty(spool.resolve("out"))) {
        assertTrue(System.nanoTime() < until, "the command did not start in 30s");
        Thread.sleep(50);
      }
      Files.delete(spool.resolve("boot"));
      abort.set(true);
      ExecResult result = running.get(1, TimeUnit.MINUTES);
      assertTrue(result.aborted());
      assertEquals(null, result.lost());
      assertEquals(List.of(), processesWith("sleep " + mark));
    } finally {
      runner.shutdownNow();
    }
  }
}
