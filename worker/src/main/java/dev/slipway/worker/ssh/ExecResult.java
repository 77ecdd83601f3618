package dev.slipway.worker.ssh;

/**
 * How a remote command ended: its exit code (null when it was killed before its status could be
 * written), the signal that ended it when known, whether Slipway stopped it (timeout or abort), and
 * how many bytes of stdout and stderr it wrote (-1 when not counted).
 */
public record ExecResult(
    Integer exitCode,
    String signal,
    boolean timedOut,
    boolean aborted,
    long stdoutBytes,
    long stderrBytes) {}
