package dev.slipway.worker.runner;

import dev.slipway.common.events.CommandRequested;
import dev.slipway.common.events.MalformedEventException;
import dev.slipway.platform.command.Command;
import dev.slipway.platform.command.CommandRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
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
 * dead-lettered ({@link MalformedEventException}). The rows are read through {@link
 * CommandRepository}, read-only.
 */
@ApplicationScoped
public class StoredCommands {

  @Inject CommandRepository rows;

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
    return rows.read(commandId)
        .filter(Command::isHostCommand)
        .map(
            row -> {
              environment(row.id, row.environment); // checked: a JSON object of strings
              return row.requested();
            });
  }

  /**
   * What an artifact step's command copies: {@code action} is {@code upload-artifact} (from {@code
   * path} in the working directory into the store as artifact {@code artifact}) or {@code
   * download-artifact} (artifact {@code artifact} to {@code path}).
   */
  public record Transfer(String action, String artifact, String path) {
    public static final String UPLOAD = Command.UPLOAD_ARTIFACT;
    public static final String DOWNLOAD = Command.DOWNLOAD_ARTIFACT;
  }

  /**
   * The artifact copy command {@code commandId} is, as its row says; empty when it runs a command
   * on the host.
   */
  @Transactional
  public Optional<Transfer> transfer(String commandId) {
    return rows.read(commandId)
        .filter(row -> !Command.RUN.equals(row.action))
        .map(row -> new Transfer(row.action, row.artifactName, row.artifactPath));
  }

  /**
   * The variables command {@code commandId} exports from build secrets (variable → secret name);
   * empty when it takes none.
   */
  @Transactional
  public Map<String, String> secretEnvironment(String commandId) {
    return rows.read(commandId)
        .map(row -> environment(commandId, row.secretEnvironment))
        .orElse(Map.of());
  }

  /** {@code environment}, checked: a JSON object of strings. */
  private static Map<String, String> environment(
      String commandId, Map<String, String> environment) {
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
