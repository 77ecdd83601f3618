package dev.slipway.worker.metrics;

import dev.slipway.platform.blueprint.BlueprintRecord;
import dev.slipway.platform.blueprint.BlueprintRepository;
import dev.slipway.platform.metrics.Meters;
import dev.slipway.platform.persistence.AfterCommit;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;
import java.time.Duration;

/**
 * Dynamic hosts (docs/metrics.md): {@code slipway_host_provisioning_seconds{blueprint}}, from a
 * host's pending row to its activation (provision, then SSH and the probe answering), and {@code
 * slipway_host_provisioning_failures_total{blueprint}}, hosts given up while being made. Both
 * recorded once the transaction that activated or broke the host has committed.
 */
@ApplicationScoped
public class ProvisioningMeters {

  @Inject MeterRegistry registry;
  @Inject TransactionSynchronizationRegistry transactions;
  @Inject BlueprintRepository blueprints;

  /** Host of blueprint {@code blueprintId} became ready {@code took} after it was asked for. */
  @Transactional(Transactional.TxType.MANDATORY)
  public void ready(String blueprintId, Duration took) {
    String blueprint = name(blueprintId);
    AfterCommit.run(
        transactions,
        () ->
            Meters.record(
                registry,
                "slipway.host.provisioning",
                "from a dynamic host's request to its being ready, by blueprint",
                took,
                "blueprint",
                blueprint));
  }

  /** A host of blueprint {@code blueprintId} could not be made. */
  @Transactional(Transactional.TxType.MANDATORY)
  public void failed(String blueprintId) {
    String blueprint = name(blueprintId);
    AfterCommit.run(
        transactions,
        () ->
            Meters.count(
                registry,
                "slipway.host.provisioning.failures",
                "dynamic hosts given up while being made, by blueprint",
                "blueprint",
                blueprint));
  }

  private String name(String blueprintId) {
    BlueprintRecord record = blueprintId == null ? null : blueprints.findById(blueprintId);
    return record == null ? "(unknown)" : record.name;
  }
}
