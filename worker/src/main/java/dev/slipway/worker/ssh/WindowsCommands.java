package dev.slipway.worker.ssh;

import dev.slipway.common.platform.PowerShell;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.jboss.logging.Logger;

/**
 * Runs commands on Windows hosts, through PowerShell on an exec channel of the host's pooled
 * session: the command streams through its channel and ends with it (it is not detached, and cannot
 * be re-attached). The PowerShell process that runs it prints its process id first ({@link
 * PidMarker}); on a timeout or an abort a second exec channel on the same session runs {@link
 * PowerShell#killTree} on that pid before the command's channel is closed, because OpenSSH for
 * Windows does not reliably end a command's processes when its channel closes. The kill's failure
 * is logged and changes nothing in the command's result (timed out or aborted).
 */
public final class WindowsCommands {

  private static final Logger LOG = Logger.getLogger(WindowsCommands.class);
  private static final long POLL_MS = 200;

  /** The most of the kill command's output kept for the log. */
  private static final int KILL_OUTPUT_LOGGED = 1000;

  private final SshConnections connections;
  private final SshConfig config;

  public WindowsCommands(SshConnections connections, SshConfig config) {
    this.connections = connections;
    this.config = config;
  }

  /**
   * Runs {@code command} in {@code workDir} (null: where SSH starts) with {@code env} on {@code
   * host}, streaming its output, until it ends, {@code timeout} passes or {@code abortRequested}
   * says so; then its process tree is killed.
   *
   * @param commandId names the command in the log
   * @throws IllegalArgumentException as {@link PowerShell#scriptPrintingPid}
   */
  public ExecResult run(
      HostConnection host,
      KeyPair key,
      String commandId,
      String workDir,
      Map<String, String> env,
      String command,
      Duration timeout,
      OutputStream stdout,
      OutputStream stderr,
      BooleanSupplier abortRequested)
      throws SshFailure {
    PidMarker marker = PidMarker.random();
    String script = PowerShell.scriptPrintingPid(workDir, env, command, marker.token());
    Instant deadline = Instant.now().plus(timeout);
    ClientSession session = connections.session(host, key);
    Framing.AfterOpening out = marker.after(stdout);
    ChannelExec channel;
    try {
      channel = SshConnections.execChannel(session, script);
      channel.setOut(out);
      channel.setErr(stderr);
      channel.open().verify(config.openTimeout());
    } catch (IOException e) {
      connections.drop(host, session);
      throw new SshFailure(SshFailure.Kind.CONNECTION_LOST, host.describe() + ": " + e, e);
    }
    try (channel) {
      boolean timedOut = false;
      boolean aborted = false;
      while (true) {
        long left = Duration.between(Instant.now(), deadline).toMillis();
        Set<ClientChannelEvent> events =
            channel.waitFor(
                EnumSet.of(ClientChannelEvent.CLOSED), Math.max(1, Math.min(POLL_MS, left)));
        if (events.contains(ClientChannelEvent.CLOSED)) {
          break;
        }
        timedOut = !Instant.now().isBefore(deadline);
        aborted = !timedOut && abortRequested.getAsBoolean();
        if (timedOut || aborted) {
          stop(host, session, commandId, channel, marker, timedOut ? "timed out" : "aborted");
          break;
        }
      }
      Integer exit = channel.getExitStatus();
      out.finish();
      if (timedOut || aborted) {
        return new ExecResult(exit, null, timedOut, aborted, -1, -1);
      }
      if (exit == null && channel.getExitSignal() == null) {
        connections.drop(host, session);
        throw new SshFailure(
            SshFailure.Kind.CONNECTION_LOST,
            host.describe() + ": the channel closed without an exit status",
            null);
      }
      return new ExecResult(exit, channel.getExitSignal(), false, false, -1, -1);
    } catch (IOException e) {
      connections.drop(host, session);
      throw new SshFailure(SshFailure.Kind.CONNECTION_LOST, host.describe() + ": " + e, e);
    }
  }

  /**
   * Kills the command's process tree from a second channel (once its pid is known: it is printed
   * first thing, so it is waited for up to the open timeout) and waits up to the kill grace for its
   * channel to close, with the output written meanwhile; the caller then closes the channel.
   */
  private void stop(
      HostConnection host,
      ClientSession session,
      String commandId,
      ChannelExec channel,
      PidMarker marker,
      String why) {
    long pid;
    try {
      pid = marker.awaitPid(config.openTimeout());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      pid = 0;
    }
    if (channel.getExitStatus() != null) {
      // PowerShell has ended (its pid may be another process's by now): nothing to kill by pid
      LOG.infof("command %s: %s, and its process had already ended", commandId, why);
    } else if (pid == 0) {
      LOG.warnf(
          "command %s: %s before it printed its process id: only its channel is closed, and"
              + " processes it started may live on on %s",
          commandId, why, host.describe());
    } else {
      kill(host, session, commandId, pid, why);
    }
    try {
      channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), config.killGrace());
    } catch (RuntimeException e) {
      LOG.debugf("command %s: waiting for its channel to close: %s", commandId, e);
    }
  }

  /** Runs {@link PowerShell#killTree} on its own channel and logs what came of it. */
  private void kill(
      HostConnection host, ClientSession session, String commandId, long pid, String why) {
    String kill = PowerShell.killTree(pid);
    ByteArrayOutputStream said = new ByteArrayOutputStream();
    try {
      int status = connections.run(host, session, kill, said);
      String text = said.toString(StandardCharsets.UTF_8).strip();
      if (text.length() > KILL_OUTPUT_LOGGED) {
        text = text.substring(0, KILL_OUTPUT_LOGGED) + "…";
      }
      if (status == 0) {
        LOG.infof("command %s: %s; `%s` on %s: %s", commandId, why, kill, host.describe(), text);
      } else {
        LOG.warnf(
            "command %s: %s; `%s` on %s exited with %d: %s",
            commandId, why, kill, host.describe(), status, text);
      }
    } catch (SshFailure | RuntimeException e) {
      LOG.warnf("command %s: %s; `%s` on %s failed: %s", commandId, why, kill, host.describe(), e);
    }
  }
}
