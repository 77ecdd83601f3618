package dev.slipway.common.events;

/**
 * {@code command.output} on {@code slipway.command-output}: a chunk of one stream of a command's
 * output. {@code offset} is where the chunk starts in its stream and {@code bytes} how many bytes
 * of it the chunk holds (its UTF-8 text), so that a chunk sent twice (a runner that re-attached to
 * a command resends what it cannot prove was published) is recognised and stored once. {@code seq}
 * numbers one runner's chunks in the order they were read.
 */
public record CommandOutput(
    String commandId,
    String buildId,
    long seq,
    String stream,
    long offset,
    int bytes,
    String text) {

  public static final String STDOUT = "stdout";
  public static final String STDERR = "stderr";
}
