package dev.slipway.worker.ssh;

/**
 * How a remote command ended: its exit code (null when it was killed before its status could be
 * written), the signal that ended it when known, whether Slipway stopped it (timeout or abort), and
 * how many bytes of stdout and stderr it wrote (-1 when not counted), and why it is lost when
 * Slipway cannot tell how it ended (null otherwise): e.g. {@link #REBOOTED}.
 */
public record ExecResult(
    Integer exitCode,
    String signal,
    boolean timedOut,
    boolean aborted,
    long stdoutBytes,
    long stderrBytes,
    String lost) {

  /** Why a command is lost whose host booted again while it ran. */
  public static final String REBOOTED =
      "lost: the host rebooted while the command ran (nothing was signalled: its process group id"
          + " may be another process's now)";

  /** A result Slipway can tell. */
  public ExecResult(
      Integer exitCode,
      String signal,
      boolean timedOut,
      boolean aborted,
      long stdoutBytes,
      long stderrBytes) {
    this(exitCode, signal, timedOut, aborted, stdoutBytes, stderrBytes, null);
  }
}
