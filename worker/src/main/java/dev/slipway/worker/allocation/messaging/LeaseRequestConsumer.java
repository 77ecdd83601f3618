package dev.slipway.worker.allocation.messaging;

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
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/** The allocator role: lease requests and release requests. */
@ApplicationScoped
public class LeaseRequestConsumer {

  private static final Logger LOG = Logger.getLogger(LeaseRequestConsumer.class);

  @Inject EventProcessor processor;
  @Inject Allocator allocator;

  @Incoming(Channels.LEASE_REQUESTS_IN)
  @Blocking
  public CompletionStage<Void> onLeaseRequest(Message<String> message) {
    AtomicReference<String> freed = new AtomicReference<>();
    CompletionStage<Void> settled =
        processor.process(
            "allocator.lease-requests",
            message,
            e -> {
              switch (e.type()) {
                case EventTypes.LEASE_REQUESTED ->
                    allocator.allocate(EventCodec.data(e, LeaseRequested.class).leaseId());
                case EventTypes.LEASE_RELEASE_REQUESTED -> {
                  LeaseReleaseRequested r = EventCodec.data(e, LeaseReleaseRequested.class);
                  allocator.release(r.leaseId(), r.reason()).ifPresent(freed::set);
                }
                default -> LOG.warnf("ignored event of type %s on lease requests", e.type());
              }
            });
    if (freed.get() != null) {
      allocator.retryPending(freed.get());
    }
    return settled;
  }
}
