package dev.slipway.coordinator.audit;

import dev.slipway.common.events.AuditRecorded;
import dev.slipway.common.events.EventTypes;
import dev.slipway.common.events.Topics;
import dev.slipway.platform.outbox.Outbox;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;

/** The audit log: kept in {@code audit_log} and published on {@code slipway.audit}. */
@ApplicationScoped
public class AuditLog implements PanacheRepositoryBase<AuditEntry, Long> {

  @Inject Outbox outbox;

  @Transactional
  public AuditEntry record(String actor, String action, String target, int outcome) {
    AuditEntry entry = new AuditEntry();
    entry.at = Instant.now();
    entry.actor = actor;
    entry.action = action;
    entry.target = target;
    entry.outcome = outcome;
    persist(entry);
    flush();
    outbox.publish(
        Topics.AUDIT,
        EventTypes.AUDIT_RECORDED,
        actor,
        new AuditRecorded(entry.id, actor, action, target, outcome));
    return entry;
  }

  /** Deletes up to {@code batch} entries older than {@code age} (retention); returns how many. */
  @Transactional(Transactional.TxType.MANDATORY)
  public int deleteOlderThan(Duration age, int batch) {
    return getEntityManager()
        .createNativeQuery(
            "delete from audit_log where id = any(array(select id from audit_log"
                + " where at < now() - cast(?1 as interval) order by id limit ?2))")
        .setParameter(1, age.toSeconds() + " seconds")
        .setParameter(2, batch)
        .executeUpdate();
  }
}
