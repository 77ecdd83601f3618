package dev.slipway.coordinator.build;

import dev.slipway.common.events.CommandFinished;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Map;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * A command the coordinator asked a runner to execute. The coordinator creates it ({@code
 * requested}) with everything the runner runs (the {@code command.requested} event only names it);
 * the runner that claims it moves it to {@code running} and {@code finished}.
 */
@Entity
@Table(name = "commands")
public class Command {

  public static final String REQUESTED = "requested";

  /**
   * A record that only holds a log: what checking out a lease-working-copy step's copy printed (no
   * runner ever claims it; the allocator doing the checkout streams git's output to it).
   */
  public static final String CHECKOUT_LOG = "checkout-log";

  @Id public String id;

  @Column(name = "build_id")
  public String buildId;

  @Column(name = "step_name")
  public String stepName;

  @Column(name = "lease_id")
  public String leaseId;

  @Column(name = "resource_id")
  public String resourceId;

  public String command;

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

  /** Null for a record that is no host command ({@link #CHECKOUT_LOG}). */
  @Column(name = "timeout_seconds")
  public Long timeoutSeconds;

  public String status;

  /** How the command ended, once its result arrived; applied when all its output is stored. */
  @JdbcTypeCode(SqlTypes.JSON)
  public CommandFinished result;

  @Column(name = "created_at", insertable = false, updatable = false)
  public Instant createdAt;
}
