package dev.slipway.common.events;

/**
 * {@code command.output} on {@code slipway.command-output}: chunk {@code seq} (0, 1, 2, …) of a
 * command's output, stdout and stderr interleaved in the order they were read.
 */
public record CommandOutput(
    String commandId, String buildId, long seq, String stream, String text) {

  public static final String STDOUT = "stdout";
  public static final String STDERR = "stderr";
}
