package dev.slipway.platform.command;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

/**
 * How much of a command's output is stored, per stream: the coordinator's log store completes a
 * step when it holds every byte, and a runner that re-attaches to a command resumes from there
 * (stored means published: it went through Kafka to get there).
 */
@ApplicationScoped
public class StoredOutput {

  @Inject EntityManager entityManager;

  /** Where the stored output of one stream of a command ends (its size so far). */
  public long end(String commandId, String stream) {
    return ((Number)
            entityManager
                .createNativeQuery(
                    "select coalesce(max(byte_offset + byte_length), 0) from log_chunks"
                        + " where command_id = ?1 and stream = ?2")
                .setParameter(1, commandId)
                .setParameter(2, stream)
                .getSingleResult())
        .longValue();
  }
}
