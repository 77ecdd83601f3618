package dev.slipway.worker.allocation.messaging;

import dev.slipway.common.events.AllocationRetryRequested;
import dev.slipway.common.events.Channels;
import dev.slipway.common.events.Envelope;
import dev.slipway.common.events.EventCodec;
import dev.slipway.common.events.EventTypes;
import dev.slipway.common.events.LeaseReleaseRequested;
import dev.slipway.common.events.LeaseRequested;
import dev.slipway.platform.messaging.EventBatches;
import dev.slipway.platform.messaging.EventProcessor;
import dev.slipway.worker.allocation.Allocator;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * The allocator role: lease requests, release requests and retry requests, applied in batches
 * ({@link EventBatches}): the requests that arrive together are applied in one transaction, and so
 * are the releases and retries, and each serves every queue it touched once.
 */
@ApplicationScoped
public class LeaseRequestConsumer implements EventBatches.Handler<Allocator.Work> {

  private static final Logger LOG = Logger.getLogger(LeaseRequestConsumer.class);

  @Inject EventProcessor processor;
  @Inject Allocator allocator;

  private EventBatches<Allocator.Work> batches;

  @PostConstruct
  void start() {
    batches = new EventBatches<>("allocator.lease-requests", processor, this);
  }

  /** After {@link EventProcessor}'s own shutdown observer: a retrying event gives up first. */
  void stop(@Observes @Priority(2) ShutdownEvent event) {
    batches.stop();
  }

  /**
   * Not {@code @Blocking}: it only decodes the message and queues it for the batch applier (never
   * blocking), so it runs on the thread that delivers it, one hand-off fewer on every request's way
   * to its transaction.
   */
  @Incoming(Channels.LEASE_REQUESTS_IN)
  public CompletionStage<Void> onLeaseRequest(Message<String> message) {
    return batches.submit(message);
  }

  @Override
  public Allocator.Work begin() {
    return new Allocator.Work();
  }

  /** Which blueprint made the resources of the leases a batch releases: one read for all. */
  @Override
  public void prepare(List<Envelope> events, Allocator.Work work) {
    List<String> released =
        events.stream()
            .filter(e -> EventTypes.LEASE_RELEASE_REQUESTED.equals(e.type()))
            .map(e -> EventCodec.data(e, LeaseReleaseRequested.class).leaseId())
            .toList();
    if (released.size() > 1) {
      allocator.readKindsForRelease(released);
    }
  }

  @Override
  public void apply(Envelope e, Allocator.Work work) {
    switch (e.type()) {
      case EventTypes.LEASE_REQUESTED -> {
        LeaseRequested r = EventCodec.data(e, LeaseRequested.class);
        allocator.admit(r.type(), r.leaseId(), work);
      }
      case EventTypes.LEASE_RELEASE_REQUESTED -> {
        LeaseReleaseRequested r = EventCodec.data(e, LeaseReleaseRequested.class);
        allocator.release(r.leaseId(), r.reason()).ifPresent(work::drain);
      }
      case EventTypes.ALLOCATION_RETRY_REQUESTED -> {
        AllocationRetryRequested r = EventCodec.data(e, AllocationRetryRequested.class);
        allocator.recheck(r.type(), work);
      }
      default -> LOG.warnf("ignored event of type %s on lease requests", e.type());
    }
  }

  /**
   * A lease request: served ahead of the releases that arrived with it, in a transaction that
   * commits first. A lease's request always arrives before its release, so it stays first.
   */
  @Override
  public boolean urgent(Envelope event) {
    return EventTypes.LEASE_REQUESTED.equals(event.type());
  }

  @Override
  public void finish(Allocator.Work work) {
    allocator.finish(work);
  }
}
