package dev.slipway.worker.allocation.messaging;

import dev.slipway.common.events.AllocationRetryRequested;
import dev.slipway.common.events.Channels;
import dev.slipway.common.events.EventCodec;
import dev.slipway.common.events.EventTypes;
import dev.slipway.common.events.LeaseReleaseRequested;
import dev.slipway.common.events.LeaseRequested;
import dev.slipway.platform.messaging.EventProcessor;
import dev.slipway.worker.allocation.Allocator;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/** The allocator role: lease requests, release requests and retry requests. */
@ApplicationScoped
public class LeaseRequestConsumer {

  private static final Logger LOG = Logger.getLogger(LeaseRequestConsumer.class);

  @Inject EventProcessor processor;
  @Inject Allocator allocator;

  @Incoming(Channels.LEASE_REQUESTS_IN)
  @Blocking
  public CompletionStage<Void> onLeaseRequest(Message<String> message) {
    return processor.process(
        "allocator.lease-requests",
        message,
        e -> {
          switch (e.type()) {
            case EventTypes.LEASE_REQUESTED -> {
              LeaseRequested r = EventCodec.data(e, LeaseRequested.class);
              allocator.admit(r.type(), r.leaseId());
            }
            case EventTypes.LEASE_RELEASE_REQUESTED -> {
              LeaseReleaseRequested r = EventCodec.data(e, LeaseReleaseRequested.class);
              allocator.release(r.leaseId(), r.reason()).ifPresent(allocator::drain);
            }
            case EventTypes.ALLOCATION_RETRY_REQUESTED -> {
              AllocationRetryRequested r = EventCodec.data(e, AllocationRetryRequested.class);
              allocator.recheck(r.type());
              allocator.drain(r.type());
            }
            default -> LOG.warnf("ignored event of type %s on lease requests", e.type());
          }
        });
  }
}
