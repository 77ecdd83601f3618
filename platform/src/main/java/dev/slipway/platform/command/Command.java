package dev.slipway.platform.command;

import dev.slipway.common.events.CommandFinished;
import dev.slipway.common.events.CommandRequested;
import dev.slipway.common.status.CommandStatus;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * A row of {@code commands}: a command the coordinator asked a runner to execute (or, written by
 * coordinators before steps had log ids of their own, a record that only holds a checkout's log:
 * {@link CommandStatus#CHECKOUT_LOG}; none is written any more). Created and changed only through
 * {@link CommandRepository}: the coordinator creates it ({@code requested}) with everything the
 * runner runs (the {@code command.requested} event only names it); the runner that claims it writes
 * its run state ({@code running}, then {@code finished}) with conditional updates there. The
 * run-state columns are therefore read-only here, and so is {@link #status} once the row exists: an
 * entity flush never writes back a status or heartbeat it read earlier.
 */
@Entity
@Table(name = "commands")
public class Command {

  /** Actions: run {@link #command} on the host. */
  public static final String RUN = "run";

  /** Actions: copy {@link #artifactPath} from the working directory into the artifact store. */
  public static final String UPLOAD_ARTIFACT = "upload-artifact";

  /** Actions: put artifact {@link #artifactName} at {@link #artifactPath} on the host. */
  public static final String DOWNLOAD_ARTIFACT = "download-artifact";

  @Id public String id;

  @Column(name = "build_id")
  public String buildId;

  @Column(name = "step_name")
  public String stepName;

  @Column(name = "lease_id")
  public String leaseId;

  /** The host the command runs on; null for a record that is no host command (a log). */
  @Column(name = "resource_id")
  public String resourceId;

  /** What is shown of it: the command text, or what an artifact step copies. */
  public String command;

  /** {@link #RUN}, {@link #UPLOAD_ARTIFACT} or {@link #DOWNLOAD_ARTIFACT}. */
  public String action = RUN;

  /** The artifact an artifact step uploads or downloads. */
  @Column(name = "artifact_name")
  public String artifactName;

  /**
   * An upload's source (file, directory or glob) or a download's destination, relative to the
   * working directory (variables filled in).
   */
  @Column(name = "artifact_path")
  public String artifactPath;

  /** The directory the command runs in (a working copy's); null: the SSH user's home. */
  @Column(name = "working_directory")
  public String workingDirectory;

  /** The variables exported to the command. */
  @JdbcTypeCode(SqlTypes.JSON)
  public Map<String, String> environment = Map.of();

  /** Variables the runner exports from build secrets: variable name → secret name. */
  @Column(name = "secret_environment")
  @JdbcTypeCode(SqlTypes.JSON)
  public Map<String, String> secretEnvironment = Map.of();

  /** Null for a record that is no host command ({@link CommandStatus#CHECKOUT_LOG}). */
  @Column(name = "timeout_seconds")
  public Long timeoutSeconds;

  /** Written when the row is created; moved only by {@link CommandRepository}'s updates. */
  @Convert(converter = CommandStatusConverter.class)
  @Column(updatable = false)
  public CommandStatus status;

  /**
   * How the command ended, as the coordinator received it ({@code command.finished}); written by
   * the coordinator, applied when all its output is stored.
   */
  @JdbcTypeCode(SqlTypes.JSON)
  public CommandFinished result;

  /** When the coordinator stored {@link #result} (the database's clock). */
  @Column(name = "result_at")
  public Instant resultAt;

  // ---- run state: written by the runner through CommandRepository, never through the entity ----

  /** The worker process that follows the command (claimed it or took it over). */
  @Column(insertable = false, updatable = false)
  public String runner;

  /** When its runner last renewed its claim. */
  @Column(name = "heartbeat_at", insertable = false, updatable = false)
  public Instant heartbeatAt;

  /** How many runners have claimed it (1 once started; one more per takeover). */
  @Column(insertable = false, updatable = false)
  public int attempts;

  /** Why it was aborted, once an abort is recorded (the runner that follows it then kills it). */
  @Column(name = "abort_reason", insertable = false, updatable = false)
  public String abortReason;

  /** How it ended ({@link CommandFinished#outcome()}), once finished. */
  @Column(insertable = false, updatable = false)
  public String outcome;

  @Column(name = "exit_code", insertable = false, updatable = false)
  public Integer exitCode;

  @Column(insertable = false, updatable = false)
  public String signal;

  @Column(insertable = false, updatable = false)
  public String message;

  /** Output the runner published, per stream, once finished (-1: not all of it was). */
  @Column(name = "stdout_bytes", insertable = false, updatable = false)
  public Long stdoutBytes;

  @Column(name = "stderr_bytes", insertable = false, updatable = false)
  public Long stderrBytes;

  @Column(name = "created_at", insertable = false, updatable = false)
  public Instant createdAt;

  @Column(name = "started_at", insertable = false, updatable = false)
  public Instant startedAt;

  @Column(name = "finished_at", insertable = false, updatable = false)
  public Instant finishedAt;

  /**
   * Whether it runs on a host (or copies an artifact there): not a record that only holds a log.
   */
  public boolean isHostCommand() {
    return resourceId != null && timeoutSeconds != null;
  }

  /**
   * The {@code command.requested} event that asks a runner to run this command: the command as its
   * row says (the runner reads the row again and refuses an event that disagrees with it).
   */
  public CommandRequested requested() {
    return new CommandRequested(
        id,
        buildId,
        stepName,
        leaseId,
        resourceId,
        command,
        environment,
        workingDirectory,
        timeoutSeconds);
  }

  /**
   * How the command ended as its runner recorded it in this row ({@code finished}): the result the
   * runner announced, for a reader that never received the announcement.
   *
   * @throws IllegalStateException when the command has not finished
   */
  public CommandFinished recordedResult() {
    if (status != CommandStatus.FINISHED || outcome == null) {
      throw new IllegalStateException("command " + id + " has not finished");
    }
    long millis =
        startedAt == null || finishedAt == null
            ? 0
            : Duration.between(startedAt, finishedAt).toMillis();
    return new CommandFinished(
        id,
        buildId,
        outcome,
        exitCode,
        signal,
        message,
        millis,
        stdoutBytes == null ? -1 : stdoutBytes,
        stderrBytes == null ? -1 : stderrBytes);
  }
}
