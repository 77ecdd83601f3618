package dev.slipway.common.events;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * {@code command.finished} on {@code slipway.command-results}, keyed by build id.
 *
 * @param outcome {@code exited} (the command ran; see exitCode), {@code error} (it could not be
 *     run: see message), {@code timed-out} or {@code aborted}
 * @param stdoutBytes how many bytes of stdout were published (as {@link CommandOutput} chunks)
 *     before this result; -1 when unknown
 * @param stderrBytes the same for stderr
 */
public record CommandFinished(
    String commandId,
    String buildId,
    String outcome,
    Integer exitCode,
    String signal,
    String message,
    long durationMillis,
    long stdoutBytes,
    long stderrBytes) {

  public static final String EXITED = "exited";
  public static final String ERROR = "error";
  public static final String TIMED_OUT = "timed-out";
  public static final String ABORTED = "aborted";

  @JsonIgnore
  public boolean succeeded() {
    return EXITED.equals(outcome) && exitCode != null && exitCode == 0;
  }
}
