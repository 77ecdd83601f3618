package dev.slipway.worker.ssh;

import java.io.IOException;
import java.io.OutputStream;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelListener;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;
import org.jboss.logging.Logger;

/**
 * Runs commands on POSIX hosts so that they outlive the runner (see {@link SpoolScripts}): starts a
 * command at most once, follows its output and exit status over SFTP on the host's pooled session
 * (over framed exec channels where the host has no usable SFTP: {@link SshFeatures}), kills its
 * process group on timeout or abort, and re-attaches to a command another runner started. A command
 * whose host booted again since it started is never signalled: it is reported lost ({@link
 * ExecResult#REBOOTED}; {@link SpoolScripts} compares boot ids). A connection lost on the way is
 * reconnected for up to {@code slipway.ssh.reconnect-for}; the command keeps running on the host
 * meanwhile.
 *
 * <p>The spool is read when the channel that started the command says the command wrote ({@link
 * Wakeup}), and otherwise polled: every {@value #MIN_POLL_MS} ms while output comes, backing off to
 * {@value #MAX_POLL_MS} ms while none does ({@value #MIN_EXEC_POLL_MS} to {@value
 * #MAX_EXEC_POLL_MS} ms over exec). A runner that re-attached has no such channel and only polls.
 */
public final class DetachedCommands {

  private static final Logger LOG = Logger.getLogger(DetachedCommands.class);
  private static final long MIN_POLL_MS = 5;
  private static final long MAX_POLL_MS = 200;

  /** Each poll without SFTP starts a shell on the host: poll less often. */
  private static final long MIN_EXEC_POLL_MS = 20;

  private static final long MAX_EXEC_POLL_MS = 500;
  private static final Duration ALIVE_CHECK_EVERY = Duration.ofSeconds(2);
  private static final Duration PID_GRACE = Duration.ofSeconds(10);

  /**
   * What to run (or re-attach to) and where output resumes. A command that is re-attached may be
   * running on a host that cannot be reached for a moment, so reaching it is retried for {@code
   * slipway.ssh.reconnect-for}; a first start on an unreachable host fails at once.
   */
  public record Spec(
      String commandId,
      String script,
      Instant startedAt,
      Duration timeout,
      long stdoutFrom,
      long stderrFrom,
      boolean reattach,
      String secretExports) {

    /** A command this runner starts (unless somebody started it already). */
    public static Spec first(String id, String script, Instant startedAt, Duration timeout) {
      return new Spec(id, script, startedAt, timeout, 0, 0, false, null);
    }

    /**
     * This spec with {@code exports} ({@code export NAME='value'} lines, null: none): handed to the
     * host on the starter's standard input, written to a file only the SSH user can read, sourced
     * by the wrapper and deleted before the command runs, so that secrets never appear in a command
     * line on the host (where {@code ps} shows them to every user).
     */
    public Spec withSecretExports(String exports) {
      return new Spec(
          commandId, script, startedAt, timeout, stdoutFrom, stderrFrom, reattach, exports);
    }

    @Override
    public String toString() {
      return "Spec[" + commandId + (secretExports == null ? "" : ", with secrets") + "]";
    }

    /** A command another runner started, followed from the given offsets of its streams. */
    public static Spec again(
        String id,
        String script,
        Instant startedAt,
        Duration timeout,
        long stdoutFrom,
        long stderrFrom) {
      return new Spec(id, script, startedAt, timeout, stdoutFrom, stderrFrom, true, null);
    }
  }

  private final SshConnections connections;
  private final SshConfig config;

  public DetachedCommands(SshConnections connections, SshConfig config) {
    this.connections = connections;
    this.config = config;
  }

  /**
   * Starts the command unless it was started before, and follows it to its end.
   *
   * @param abortRequested polled while the command runs; true kills it and reports it aborted
   */
  public ExecResult run(
      HostConnection host,
      KeyPair key,
      Spec spec,
      SpoolReader.Sink sink,
      BooleanSupplier abortRequested)
      throws SshFailure {
    Follow follow = new Follow(host, key, spec, sink);
    try {
      return follow.toEnd(abortRequested);
    } finally {
      follow.detach();
    }
  }

  /**
   * Removes the command's spool directory from the host (after its result is recorded), over SFTP
   * so that no shell is started for it; a directory holding anything else is removed by a shell.
   */
  public void remove(HostConnection host, KeyPair key, String commandId) throws SshFailure {
    SftpClient sftp = connections.sftp(host, key);
    String dir = spoolDir(host, key, commandId);
    if (sftp == null) {
      connections.run(host, connections.session(host, key), SpoolScripts.remove(dir));
      return;
    }
    try {
      for (String file : SpoolScripts.FILES) {
        try {
          sftp.remove(dir + "/" + file);
        } catch (SftpException e) {
          if (e.getStatus() != SftpConstants.SSH_FX_NO_SUCH_FILE) {
            throw e;
          }
        }
      }
      sftp.rmdir(dir);
    } catch (SftpException e) {
      connections.run(host, sftp.getClientSession(), SpoolScripts.remove(dir));
    } catch (IOException e) {
      throw new SshFailure(SshFailure.Kind.CONNECTION_LOST, host.describe() + ": " + e, e);
    }
  }

  /**
   * The spool directories on a POSIX host, by command id: all of them, and those not written to for
   * longer than the age asked for ({@link #spools}).
   */
  public record Spools(Set<String> all, Set<String> untouched) {}

  /** How many spools one {@link #sweep} exec names (its command line stays short). */
  private static final int SWEEP_BATCH = 200;

  /** What a spool directory's name must look like to be listed or removed (a command id). */
  private static final Pattern SPOOL_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*");

  /**
   * Lists the spool directories on the host (one exec), noting those not written to for longer than
   * {@code untouchedFor} (whole minutes, at least one).
   */
  public Spools spools(HostConnection host, KeyPair key, Duration untouchedFor) throws SshFailure {
    long minutes = Math.max(1, untouchedFor.toMinutes());
    SshConnections.Captured listed =
        connections.capture(host, key, SpoolScripts.list(spoolRoot(host, key), minutes), null);
    if (listed.exitStatus() == null || listed.exitStatus() != 0 || listed.stdout() == null) {
      throw new SshFailure(
          SshFailure.Kind.CONNECTION_LOST,
          host.describe() + ": listing the spool failed: " + listed.stderrText().strip(),
          null);
    }
    Set<String> all = new LinkedHashSet<>();
    Set<String> untouched = new LinkedHashSet<>();
    Set<String> into = all;
    for (String line : listed.stdoutText().split("\n")) {
      if (line.equals("--")) {
        into = untouched;
        continue;
      }
      String name = line.startsWith("./") ? line.substring(2) : line;
      if (SPOOL_NAME.matcher(name).matches()) {
        into.add(name);
      }
    }
    untouched.retainAll(all);
    return new Spools(all, untouched);
  }

  /**
   * Removes the spool directories of {@code commandIds} whose command can no longer use them (its
   * exit status is written, or no process of its group is alive, or the host booted again since it
   * started); a spool whose command still runs on the host stays. Returns the ids removed.
   */
  public Set<String> sweep(HostConnection host, KeyPair key, Collection<String> commandIds)
      throws SshFailure {
    List<String> names =
        commandIds.stream().filter(id -> SPOOL_NAME.matcher(id).matches()).toList();
    Set<String> removed = new LinkedHashSet<>();
    String root = names.isEmpty() ? null : spoolRoot(host, key);
    for (int from = 0; from < names.size(); from += SWEEP_BATCH) {
      List<String> batch = names.subList(from, Math.min(names.size(), from + SWEEP_BATCH));
      SshConnections.Captured swept =
          connections.capture(host, key, SpoolScripts.sweep(root, batch), null);
      if (swept.stdout() == null) {
        throw new SshFailure(
            SshFailure.Kind.CONNECTION_LOST,
            host.describe() + ": sweeping the spool was cut short",
            null);
      }
      for (String line : swept.stdoutText().split("\n")) {
        if (batch.contains(line)) {
          removed.add(line);
        }
      }
    }
    return removed;
  }

  private String spoolRoot(HostConnection host, KeyPair key) throws SshFailure {
    return connections.home(host, key) + "/" + config.spoolDir();
  }

  private String spoolDir(HostConnection host, KeyPair key, String commandId) throws SshFailure {
    return spoolRoot(host, key) + "/" + commandId;
  }

  /** One command followed to its end, across reconnections. */
  private final class Follow {
    private final HostConnection host;
    private final KeyPair key;
    private final Spec spec;
    private final SpoolReader.Sink sink;
    private final Instant deadline;
    private ClientSession session;
    private SftpClient sftp;
    private SpoolReader.Exec exec;
    private boolean attached;
    private String dir;
    private SpoolReader reader;
    private ChannelExec starter;
    private boolean timedOut;
    private boolean aborted;
    private boolean vanished;

    /** The host booted again since the command started: it is lost, and never signalled. */
    private boolean rebooted;

    private final Wakeup wakeup = new Wakeup();
    private Instant attachedAt = Instant.now();
    private Instant aliveCheckedAt = Instant.now();

    Follow(HostConnection host, KeyPair key, Spec spec, SpoolReader.Sink sink) {
      this.host = host;
      this.key = key;
      this.spec = spec;
      this.sink = sink;
      this.deadline = spec.startedAt().plus(spec.timeout());
    }

    ExecResult toEnd(BooleanSupplier abortRequested) throws SshFailure {
      Instant lostSince = null;
      long poll = MIN_POLL_MS;
      while (true) {
        try {
          if (!attached) {
            attach();
          }
          boolean progressed = pump();
          Integer exit = exitStatus();
          if (exit == null && !rebooted && !progressed && aliveCheckDue()) {
            if (!alive()) {
              reader.stale();
              exit = readExit(); // it may have ended since we looked
              vanished = exit == null;
            }
          }
          if (exit != null || vanished || rebooted || ((timedOut || aborted) && !alive())) {
            while (pump()) {
              // the rest of the output, written before the exit status
            }
            return result(exit);
          }
          if (!timedOut && !aborted) {
            if (Instant.now().isAfter(deadline)) {
              timedOut = true;
              kill();
              continue;
            }
            if (abortRequested.getAsBoolean()) {
              aborted = true;
              kill();
              continue;
            }
          }
          lostSince = null;
          long least = exec != null ? MIN_EXEC_POLL_MS : MIN_POLL_MS;
          poll =
              progressed
                  ? least
                  : Math.min(poll * 2, exec != null ? MAX_EXEC_POLL_MS : MAX_POLL_MS);
          waitForEnd(poll, least);
        } catch (IOException | SshFailure e) {
          lostSince = lostSince == null ? Instant.now() : lostSince;
          if (e instanceof SshFailure f
              && ((reader == null
                      && !spec.reattach()
                      && f.kind() != SshFailure.Kind.CONNECTION_LOST)
                  || (f.kind() != SshFailure.Kind.UNREACHABLE
                      && f.kind() != SshFailure.Kind.CONNECTION_LOST))) {
            // never reached (nothing runs there: the build fails or retries cleanly), or the
            // host refuses us (retrying will not help); a connection lost before the command
            // was started is reconnected, as one lost while it runs
            throw f;
          }
          if (Duration.between(lostSince, Instant.now()).compareTo(config.reconnectFor()) > 0) {
            throw new SshFailure(
                SshFailure.Kind.CONNECTION_LOST,
                host.describe()
                    + ": lost while command "
                    + spec.commandId()
                    + " ran, and not back within "
                    + config.reconnectFor().toSeconds()
                    + "s ("
                    + e.getMessage()
                    + ")",
                e);
          }
          LOG.infof("command %s: connection lost (%s); reconnecting", spec.commandId(), e);
          dropConnection();
          pause(500);
        }
      }
    }

    /**
     * Opens SFTP on the pooled session (or reads over exec where the host has none); starts the
     * command if nobody has.
     */
    private void attach() throws IOException, SshFailure {
      session = connections.session(host, key);
      attachedAt = Instant.now();
      sftp = connections.sftp(host, key);
      ClientSession on = session;
      exec =
          sftp != null
              ? null
              : command ->
                  connections.capture(
                      host, on, command, null, config.killGrace().plus(config.openTimeout()));
      attached = true;
      dir = spoolDir(host, key, spec.commandId());
      if (reader == null) {
        reader = new SpoolReader(dir, spec.stdoutFrom(), spec.stderrFrom());
      }
      int started =
          sftp != null && !reader.started(sftp)
              ? 1
              : connections.run(host, session, SpoolScripts.started(dir));
      if (started == SpoolScripts.REBOOTED) {
        rebooted();
      } else if (started != 0) {
        boolean secrets = spec.secretExports() != null;
        starter =
            SshConnections.execChannel(session, SpoolScripts.start(dir, spec.script(), secrets));
        if (secrets) {
          starter.setIn(
              new java.io.ByteArrayInputStream(
                  spec.secretExports().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        starter.setOut(wakeup.stream());
        starter.addChannelListener(wakeup.onClose());
        starter.open().verify(config.openTimeout());
      }
    }

    /** The command's exit status once it ended, else null. */
    private Integer exitStatus() throws IOException, SshFailure {
      if (starter != null) {
        if (!starter.isClosed()) {
          Set<ClientChannelEvent> events =
              starter.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), 1);
          if (!events.contains(ClientChannelEvent.CLOSED)) {
            return null;
          }
        }
        Integer status = starter.getExitStatus();
        starter.close(true);
        starter = null;
        if (status == null || status == SpoolScripts.ALREADY_STARTED) {
          return readExit(); // we lost the channel, or another runner started it
        }
        if (status == SpoolScripts.NO_SPOOL) {
          throw new IOException("cannot create the spool directory " + dir);
        }
        return status;
      }
      return readExit();
    }

    private boolean pump() throws IOException, SshFailure {
      return sftp != null ? reader.pump(sftp, sink) : reader.pump(exec, sink);
    }

    private Integer readExit() throws IOException, SshFailure {
      return sftp != null ? reader.exitStatus(sftp) : reader.exitStatus(exec);
    }

    /**
     * Whether a process of the command's group is alive. Until the wrapper has written the group id
     * (it does so first thing), the command counts as alive for {@link #PID_GRACE}.
     */
    private boolean alive() throws SshFailure {
      int status = connections.run(host, session, SpoolScripts.alive(dir));
      if (status == SpoolScripts.REBOOTED) {
        rebooted();
        return false;
      }
      if (status == SpoolScripts.NO_PID) {
        return Duration.between(attachedAt, Instant.now()).compareTo(PID_GRACE) < 0;
      }
      return status != SpoolScripts.GONE;
    }

    /** Whether it is time to check that the command still runs (it may die without a status). */
    private boolean aliveCheckDue() {
      Instant now = Instant.now();
      if (Duration.between(aliveCheckedAt, now).compareTo(ALIVE_CHECK_EVERY) < 0) {
        return false;
      }
      aliveCheckedAt = now;
      return true;
    }

    private void kill() throws SshFailure {
      LOG.infof(
          "command %s: %s; killing its process group",
          spec.commandId(), timedOut ? "timed out" : "aborted");
      int status =
          connections.run(host, session, SpoolScripts.kill(dir, config.killGrace().toSeconds()));
      if (status == SpoolScripts.REBOOTED) {
        rebooted();
      }
    }

    private void rebooted() {
      if (!rebooted) {
        LOG.warnf(
            "command %s: %s booted again since the command started; it is lost, and nothing is"
                + " signalled",
            spec.commandId(), host.describe());
      }
      rebooted = true;
    }

    private ExecResult result(Integer exit) {
      String signal = exit != null && exit > 128 && exit < 160 ? Signals.name(exit - 128) : null;
      return new ExecResult(
          exit,
          signal,
          timedOut,
          aborted,
          reader.stdoutBytes(),
          reader.stderrBytes(),
          exit == null && rebooted ? ExecResult.REBOOTED : null);
    }

    private void dropConnection() {
      detach();
      starter = null; // its exit status is in the spool: the follow goes on from there
      if (session != null) {
        connections.drop(host, session);
        session = null;
      }
    }

    /** Lets go of the spool files; the pooled SFTP client stays with its connection. */
    void detach() {
      if (reader != null) {
        reader.close();
      }
      sftp = null;
      exec = null;
      attached = false;
    }

    /**
     * Sleeps {@code millis}, or less when the channel that started the command closes or says that
     * the command wrote ({@link Wakeup}); but at least {@code least} in all, so that a command that
     * writes all the time is read no more often than before (each read is a round trip, an exec
     * where the host has no SFTP).
     */
    private void waitForEnd(long millis, long least) {
      long start = System.nanoTime();
      if (starter != null && !starter.isClosed()) {
        wakeup.await(millis);
        long slept = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (slept < least && !starter.isClosed()) {
          pause(least - slept);
        }
      } else {
        pause(millis);
      }
    }

    private void pause(long millis) {
      try {
        Thread.sleep(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while following " + spec.commandId(), e);
      }
    }
  }

  /**
   * What the starter's channel says while the command runs: its stdout carries a copy of the
   * command's output ({@link SpoolScripts#start}), which is dropped here but wakes the follow, so
   * that output after a quiet spell is read at once rather than at the next poll (up to {@value
   * DetachedCommands#MAX_POLL_MS} ms later, {@value DetachedCommands#MAX_EXEC_POLL_MS} ms without
   * SFTP). The channel closing wakes it too. The copy is never read (it may hold secrets the runner
   * masks only in what it publishes); the spool files stay the one record of the output, so a
   * wake-up lost costs only time.
   */
  private static final class Wakeup {
    private boolean woken;

    synchronized void wake() {
      woken = true;
      notifyAll();
    }

    /** Waits until woken (since the last wait) or {@code millis} have passed. */
    synchronized void await(long millis) {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
      long left = millis;
      try {
        while (!woken && left > 0) {
          wait(left);
          left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while following a command", e);
      }
      woken = false;
    }

    /** The starter's stdout: whatever arrives is dropped, and wakes the follow. */
    OutputStream stream() {
      return new OutputStream() {
        @Override
        public void write(int b) {
          wake();
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
          wake();
        }
      };
    }

    ChannelListener onClose() {
      return new ChannelListener() {
        @Override
        public void channelClosed(Channel channel, Throwable reason) {
          wake();
        }
      };
    }
  }
}
