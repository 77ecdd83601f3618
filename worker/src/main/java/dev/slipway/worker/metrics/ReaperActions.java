package dev.slipway.worker.metrics;

import dev.slipway.platform.metrics.Meters;
import dev.slipway.platform.persistence.AfterCommit;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Status;
import jakarta.transaction.TransactionSynchronizationRegistry;

/**
 * {@code slipway_reaper_actions_total{action}}: what the lease reaper and the host reaper did
 * (docs/metrics.md). Counted once the transaction that did it has committed.
 */
@ApplicationScoped
public class ReaperActions {

  /** A pending lease failed: it waited longer than its {@code waitTimeout}. */
  public static final String LEASE_WAIT_TIMED_OUT = "lease-wait-timed-out";

  /** A held lease released: its owner stopped heartbeating. */
  public static final String LEASE_HEARTBEAT_EXPIRED = "lease-heartbeat-expired";

  /** A dynamic host destroyed: idle past its blueprint's {@code idleTtl}, or its blueprint off. */
  public static final String HOST_RETIRED_IDLE = "host-retired-idle";

  /** A dynamic host asked for to keep the blueprint's {@code minIdle} hosts ready. */
  public static final String HOST_WARMED = "host-warmed";

  /** A ready dynamic host broken: its instance is gone from the provider's {@code list}. */
  public static final String HOST_VANISHED = "host-vanished";

  /** An instance tagged by this installation that no host accounts for, destroyed. */
  public static final String STRAY_DESTROYED = "stray-instance-destroyed";

  @Inject MeterRegistry registry;
  @Inject TransactionSynchronizationRegistry transactions;

  /** Counts {@code action}: after the commit when a transaction is active, else now. */
  public void done(String action) {
    Runnable count =
        () ->
            Meters.count(
                registry,
                "slipway.reaper.actions",
                "what the lease and host reapers did, by action",
                "action",
                action);
    if (transactions.getTransactionStatus() == Status.STATUS_ACTIVE) {
      AfterCommit.run(transactions, count);
    } else {
      count.run();
    }
  }
}
