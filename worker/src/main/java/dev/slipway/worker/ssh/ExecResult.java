package dev.slipway.worker.ssh;

/** How a remote command ended: its exit code, or the signal that killed it, or a timeout. */
public record ExecResult(Integer exitCode, String signal, boolean timedOut) {}
