package dev.slipway.coordinator.build;

import dev.slipway.common.events.CommandOutput;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.util.List;

/**
 * Command output in PostgreSQL, one row per chunk. A chunk is keyed by command and sequence number,
 * so a redelivered chunk is stored once.
 */
@ApplicationScoped
public class LogStore {

  @Inject EntityManager entityManager;
  @Inject BuildRepository builds;

  @Transactional(Transactional.TxType.MANDATORY)
  public void append(CommandOutput chunk) {
    entityManager
        .createNativeQuery(
            "insert into log_chunks (command_id, seq, stream, text)"
                + " values (?1, ?2, ?3, ?4) on conflict do nothing")
        .setParameter(1, chunk.commandId())
        .setParameter(2, chunk.seq())
        .setParameter(3, chunk.stream())
        .setParameter(4, chunk.text())
        .executeUpdate();
  }

  /** How many chunks of command {@code commandId} are stored. */
  public long chunksStored(String commandId) {
    return ((Number)
            entityManager
                .createNativeQuery("select count(*) from log_chunks where command_id = ?1")
                .setParameter(1, commandId)
                .getSingleResult())
        .longValue();
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
        .createNativeQuery("select text from log_chunks where command_id = ?1 order by seq")
        .setParameter(1, commandId)
        .getResultList();
  }
}
