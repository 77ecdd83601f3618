package dev.slipway.coordinator.build;

import dev.slipway.common.events.CommandFinished;
import dev.slipway.common.events.CommandOutput;
import dev.slipway.platform.command.StoredOutput;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Command output in PostgreSQL, one row per chunk, kept by byte range of its stream: a chunk that
 * was sent twice (redelivered, or sent again by a runner that re-attached to the command) is stored
 * once, and a chunk that overlaps what is stored keeps only its new bytes. Chunks are rendered in
 * the order they were stored. Callers serialize appends per build (they hold the build's row lock).
 */
@ApplicationScoped
public class LogStore {

  private static final Logger LOG = Logger.getLogger(LogStore.class);

  @Inject EntityManager entityManager;
  @Inject BuildRepository builds;
  @Inject StoredOutput stored;

  @Transactional(Transactional.TxType.MANDATORY)
  public void append(CommandOutput chunk) {
    long end = stored.end(chunk.commandId(), chunk.stream());
    long chunkEnd = chunk.offset() + chunk.bytes();
    if (chunkEnd <= end) {
      return; // stored already
    }
    byte[] bytes = chunk.text().getBytes(StandardCharsets.UTF_8);
    int skip = (int) Math.max(0, end - chunk.offset());
    if (chunk.offset() > end) {
      LOG.warnf(
          "output of command %s: %s bytes %d..%d never arrived",
          chunk.commandId(), chunk.stream(), end, chunk.offset());
    }
    entityManager
        .createNativeQuery(
            "insert into log_chunks (command_id, seq, stream, byte_offset, byte_length, text)"
                + " values (?1, ?2, ?3, ?4, ?5, ?6) on conflict do nothing")
        .setParameter(1, chunk.commandId())
        .setParameter(2, chunk.seq())
        .setParameter(3, chunk.stream())
        .setParameter(4, chunk.offset() + skip)
        .setParameter(5, chunk.bytes() - skip)
        .setParameter(6, new String(bytes, skip, bytes.length - skip, StandardCharsets.UTF_8))
        .executeUpdate();
  }

  /** Whether every byte that {@code result} says was published is stored. */
  public boolean holdsAll(String commandId, CommandFinished result) {
    return stored.end(commandId, CommandOutput.STDOUT) >= result.stdoutBytes()
        && stored.end(commandId, CommandOutput.STDERR) >= result.stderrBytes();
  }

  /** The build's whole log: each step introduced by a header line, then its output in order. */
  public String render(Build build) {
    StringBuilder log = new StringBuilder();
    for (Step step : builds.steps(build.id)) {
      log.append("=== step ")
          .append(step.name)
          .append(" (")
          .append(step.kind)
          .append("): ")
          .append(step.status.wireName());
      if (step.exitCode != null) {
        log.append(", exit code ").append(step.exitCode);
      }
      log.append('\n');
      if (step.commandId != null) {
        for (String text : output(step.commandId)) {
          log.append(text);
        }
        if (log.charAt(log.length() - 1) != '\n') {
          log.append('\n');
        }
      }
      if (step.reason != null) {
        log.append("--- ").append(step.reason).append('\n');
      }
    }
    log.append("=== build ").append(build.status.wireName());
    if (build.reason != null) {
      log.append(": ").append(build.reason);
    }
    return log.append('\n').toString();
  }

  @SuppressWarnings("unchecked")
  private List<String> output(String commandId) {
    return entityManager
        .createNativeQuery("select text from log_chunks where command_id = ?1 order by id")
        .setParameter(1, commandId)
        .getResultList();
  }
}
