package dev.slipway.stack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.channel.ChannelSession;

/**
 * An SSH exec request run as {@code /bin/sh -c <command>} by the server's OS user. stdin, stdout
 * and stderr are copied between channel and process; the exit status is sent once the process has
 * exited and both of its output streams are drained. Closing the channel kills the processes of the
 * command's session, as a terminal hangup would; a process that started a session of its own
 * ({@code setsid}) lives on, as it does under OpenSSH.
 */
final class ShellCommand extends ChannelCommand {

  /** Told when the command starts and when it ends (exits, fails to start or is destroyed). */
  interface Listener {
    void started(String command);

    void ended(String command);
  }

  private final String command;
  private final Path workDir;
  private final ExecutorService pumps;
  private final Listener listener;
  private volatile Process process;
  private boolean ended;

  ShellCommand(String command, Path workDir, ExecutorService pumps, Listener listener) {
    this.command = command;
    this.workDir = workDir;
    this.pumps = pumps;
    this.listener = listener;
  }

  @Override
  public void start(ChannelSession channel, Environment env) throws IOException {
    listener.started(command);
    ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", command);
    builder.directory(workDir.toFile());
    builder.environment().putAll(env.getEnv());
    try {
      process = builder.start();
    } catch (IOException | RuntimeException e) {
      end();
      throw e;
    }
    CompletableFuture<Void> stdout = pump(process.getInputStream(), out());
    CompletableFuture<Void> stderr = pump(process.getErrorStream(), err());
    pumps.execute(this::copyStdin);
    CompletableFuture.allOf(stdout, stderr)
        .thenRunAsync(this::finish, pumps)
        .exceptionally(
            e -> {
              end();
              return null;
            });
  }

  @Override
  public void destroy(ChannelSession channel) {
    Process running = process;
    if (running != null && running.isAlive()) {
      String session = sessionOf(running.pid());
      running
          .descendants()
          .filter(p -> session != null && session.equals(sessionOf(p.pid())))
          .forEach(ProcessHandle::destroyForcibly);
      running.destroyForcibly();
    }
    end();
  }

  private void finish() {
    int status;
    try {
      status = process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      status = 255;
    }
    end();
    exit(status);
  }

  private synchronized void end() {
    if (!ended) {
      ended = true;
      listener.ended(command);
    }
  }

  private CompletableFuture<Void> pump(InputStream from, OutputStream to) {
    return CompletableFuture.runAsync(
        () -> {
          byte[] buffer = new byte[8192];
          try (from) {
            for (int n = from.read(buffer); n >= 0; n = from.read(buffer)) {
              to.write(buffer, 0, n);
              to.flush();
            }
          } catch (IOException e) {
            // channel or process gone: the exit status (or the channel close) tells the rest
          }
        },
        pumps);
  }

  private void copyStdin() {
    byte[] buffer = new byte[8192];
    InputStream in = in();
    try (OutputStream toProcess = process.getOutputStream()) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        toProcess.write(buffer, 0, n);
        toProcess.flush();
      }
    } catch (IOException e) {
      // the process closed its stdin or the channel closed: nothing more to copy
    }
  }

  /** The session id of process {@code pid} (Linux {@code /proc}), or null when it is gone. */
  private static String sessionOf(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // pid (comm) state ppid pgrp session ...: comm may hold spaces, so count from its ')'
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return fields[3];
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
