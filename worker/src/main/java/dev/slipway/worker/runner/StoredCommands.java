package dev.slipway.worker.runner;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.slipway.common.events.CommandRequested;
import dev.slipway.common.events.EventCodec;
import dev.slipway.common.events.MalformedEventException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a runner runs: the {@code commands} row that the coordinator wrote, never what a {@code
 * command.requested} event says. The event only names the command; one that names no command, or
 * disagrees with its row, was not written by the coordinator (or is broken): it runs nothing and is
 * dead-lettered ({@link MalformedEventException}).
 */
@ApplicationScoped
public class StoredCommands {

  private static final TypeReference<Map<String, String>> ENVIRONMENT = new TypeReference<>() {};

  @Inject EntityManager entityManager;

  /**
   * The command {@code event} names, as its row says, in the caller's transaction.
   *
   * @throws MalformedEventException naming the command id (never its text) when there is no such
   *     command, or when the event disagrees with the row about the build, lease, host resource,
   *     command text, working directory or environment
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public CommandRequested verified(CommandRequested event) {
    if (event.commandId() == null) {
      throw new MalformedEventException("command.requested without a commandId");
    }
    Optional<CommandRequested> row = find(event.commandId());
    if (row.isEmpty()) {
      throw refused(event, "it names no host command that the coordinator requested");
    }
    List<String> disagreements = disagreements(event, row.get());
    if (!disagreements.isEmpty()) {
      throw refused(
          event, "it disagrees with the command's row about " + String.join(", ", disagreements));
    }
    return row.get();
  }

  /** The refusal of {@code event}, which the consumer logs as a warning and dead-letters. */
  private static MalformedEventException refused(CommandRequested event, String why) {
    return new MalformedEventException(
        "command.requested for command " + event.commandId() + " refused, nothing run: " + why);
  }

  /**
   * The host command {@code commandId} as its row says (its {@code step} is the step's name), in
   * the caller's transaction; empty when there is none (or the record is no host command, such as a
   * checkout's log).
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public Optional<CommandRequested> find(String commandId) {
    List<?> rows =
        entityManager
            .createNativeQuery(
                "select id, build_id, step_name, lease_id, resource_id, command,"
                    + " cast(environment as text), working_directory, timeout_seconds"
                    + " from commands where id = ?1"
                    + " and resource_id is not null and timeout_seconds is not null")
            .setParameter(1, commandId)
            .getResultList();
    if (rows.isEmpty()) {
      return Optional.empty();
    }
    Object[] row = (Object[]) rows.get(0);
    return Optional.of(
        new CommandRequested(
            (String) row[0],
            (String) row[1],
            (String) row[2],
            (String) row[3],
            (String) row[4],
            (String) row[5],
            environment((String) row[0], (String) row[6]),
            (String) row[7],
            ((Number) row[8]).longValue()));
  }

  /**
   * The variables command {@code commandId} exports from build secrets (variable → secret name);
   * empty when it takes none.
   */
  @Transactional
  public Map<String, String> secretEnvironment(String commandId) {
    List<?> rows =
        entityManager
            .createNativeQuery(
                "select cast(secret_environment as text) from commands where id = ?1")
            .setParameter(1, commandId)
            .getResultList();
    return rows.isEmpty() ? Map.of() : environment(commandId, (String) rows.get(0));
  }

  private static Map<String, String> environment(String commandId, String json) {
    Map<String, String> environment;
    try {
      environment = EventCodec.mapper().readValue(json, ENVIRONMENT);
    } catch (JsonProcessingException e) {
      environment = null;
    }
    if (environment == null || environment.containsValue(null)) {
      throw new IllegalStateException(
          "command " + commandId + ": environment is no JSON object of strings");
    }
    return environment;
  }

  /** The fields, by name, in which {@code event} says something else than {@code row}. */
  static List<String> disagreements(CommandRequested event, CommandRequested row) {
    List<String> fields = new ArrayList<>();
    differ(fields, "buildId", event.buildId(), row.buildId());
    differ(fields, "leaseId", event.leaseId(), row.leaseId());
    differ(fields, "resourceId", event.resourceId(), row.resourceId());
    differ(fields, "command", event.command(), row.command());
    differ(fields, "workingDirectory", event.workingDirectory(), row.workingDirectory());
    differ(
        fields,
        "environment",
        event.environment() == null ? Map.of() : event.environment(),
        row.environment());
    return fields;
  }

  private static void differ(List<String> fields, String name, Object said, Object stored) {
    if (!Objects.equals(said, stored)) {
      fields.add(name);
    }
  }
}
