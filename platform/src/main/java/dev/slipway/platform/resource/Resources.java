package dev.slipway.platform.resource;

import dev.slipway.common.events.AllocationRetryRequested;
import dev.slipway.common.events.EventTypes;
import dev.slipway.common.events.ResourceChanged;
import dev.slipway.common.events.Topics;
import dev.slipway.common.status.IllegalTransitionException;
import dev.slipway.common.status.ResourceStatus;
import dev.slipway.common.status.Transitions;
import dev.slipway.platform.outbox.Outbox;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The one place where resources are created, edited and change status: each change is checked,
 * recorded in {@code resource_history} and announced on {@code slipway.resources} through the
 * outbox, in the caller's transaction. A change that may let waiting leases through also asks the
 * allocators to look at their queue again.
 */
@ApplicationScoped
public class Resources {

  private static final Logger LOG = Logger.getLogger(Resources.class);

  @Inject ResourceRepository resources;
  @Inject Outbox outbox;

  @Transactional(Transactional.TxType.MANDATORY)
  public void create(Resource resource) {
    resource.updatedAt = Instant.now();
    resources.persist(resource);
    resources.flush();
    recordHistory(resource);
    announce(resource, EventTypes.RESOURCE_CREATED);
    retryAllocation(resource.type, "resource " + resource.id + " added");
  }

  /** Announces an edit of attributes, slots or enabled, and lets waiting leases try again. */
  @Transactional(Transactional.TxType.MANDATORY)
  public void edited(Resource resource) {
    resource.updatedAt = Instant.now();
    resources.flush();
    announce(resource, EventTypes.RESOURCE_UPDATED);
    retryAllocation(resource.type, "resource " + resource.id + " changed");
  }

  /**
   * Moves {@code resource} to {@code to}.
   *
   * @throws IllegalTransitionException (logged) when the state machine forbids it
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public void move(Resource resource, ResourceStatus to, String reason) {
    try {
      Transitions.check("resource " + resource.id, resource.status, to);
    } catch (IllegalTransitionException e) {
      LOG.warn("refused: " + e.getMessage());
      throw e;
    }
    resource.status = to;
    if (reason != null) {
      resource.reason = reason;
    }
    resource.updatedAt = Instant.now();
    resources.flush();
    recordHistory(resource);
    announce(resource, eventType(to));
    if (to == ResourceStatus.DESTROYED && Resource.TYPE_HOST.equals(resource.type)) {
      forgetWorkingCopiesOn(resource);
    }
    if (to != ResourceStatus.ACTIVE) {
      // leases that could only ever have been served by this resource must now fail
      retryAllocation(resource.type, "resource " + resource.id + " " + to.wireName());
    }
  }

  /**
   * A removed host's working copies end with it: Slipway no longer reaches that machine, so their
   * directories are left there. (A host is removed only once it holds no lease, so none is in use.)
   */
  private void forgetWorkingCopiesOn(Resource host) {
    List<Resource> copies =
        resources.list("hostId = ?1 and status <> ?2", host.id, ResourceStatus.DESTROYED);
    for (Resource copy : copies) {
      String why = "its host " + host.name + " was removed; the directory is left on the machine";
      if (copy.status == ResourceStatus.ACTIVE) {
        move(copy, ResourceStatus.RELEASED, why);
      } else if (copy.status == ResourceStatus.PENDING) {
        move(copy, ResourceStatus.BROKEN, why);
      }
      copy.busySince = null;
      copy.busyBy = null;
      move(copy, ResourceStatus.DESTROYED, why);
    }
  }

  /** Asks the allocators to look at the queue of waiting leases of {@code type} again. */
  @Transactional(Transactional.TxType.MANDATORY)
  public void retryAllocation(String type, String reason) {
    outbox.publish(
        Topics.LEASE_REQUESTS,
        EventTypes.ALLOCATION_RETRY_REQUESTED,
        type,
        new AllocationRetryRequested(type, reason));
  }

  private void recordHistory(Resource resource) {
    resources
        .getEntityManager()
        .createNativeQuery(
            "insert into resource_history (resource_id, status, reason) values (?1, ?2, ?3)")
        .setParameter(1, resource.id)
        .setParameter(2, resource.status.wireName())
        .setParameter(3, resource.reason)
        .executeUpdate();
  }

  private void announce(Resource r, String type) {
    outbox.publish(
        Topics.RESOURCES,
        type,
        r.id,
        new ResourceChanged(
            r.id,
            r.name,
            r.type,
            r.blueprintId,
            r.status.wireName(),
            r.slots,
            r.enabled,
            r.attributes,
            r.reason));
  }

  private static String eventType(ResourceStatus status) {
    return switch (status) {
      case ACTIVE -> EventTypes.RESOURCE_ACTIVATED;
      case RELEASED -> EventTypes.RESOURCE_RELEASED;
      case BROKEN -> EventTypes.RESOURCE_BROKEN;
      case DESTROYED -> EventTypes.RESOURCE_DESTROYED;
      case PENDING -> EventTypes.RESOURCE_CREATED;
    };
  }
}
