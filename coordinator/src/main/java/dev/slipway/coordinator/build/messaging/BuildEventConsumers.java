package dev.slipway.coordinator.build.messaging;

import dev.slipway.common.events.Channels;
import dev.slipway.common.events.CommandFinished;
import dev.slipway.common.events.CommandOutput;
import dev.slipway.common.events.EventCodec;
import dev.slipway.common.events.EventTypes;
import dev.slipway.common.events.LeaseChanged;
import dev.slipway.coordinator.build.BuildEngine;
import dev.slipway.platform.messaging.EventProcessor;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

/** The coordinator's consumers: lease events, command results and command output. */
@ApplicationScoped
public class BuildEventConsumers {

  @Inject EventProcessor processor;
  @Inject BuildEngine engine;

  @Incoming(Channels.LEASES_IN)
  @Blocking
  public CompletionStage<Void> onLease(Message<String> message) {
    return processor.process(
        "coordinator.leases",
        message,
        BuildEngine::actsOnLease,
        e -> engine.onLeaseChanged(EventCodec.data(e, LeaseChanged.class)));
  }

  @Incoming(Channels.COMMAND_RESULTS_IN)
  @Blocking
  public CompletionStage<Void> onCommandResult(Message<String> message) {
    return processor.process(
        "coordinator.command-results",
        message,
        e -> EventTypes.COMMAND_FINISHED.equals(e.type()),
        e -> engine.onCommandFinished(EventCodec.data(e, CommandFinished.class)));
  }

  @Incoming(Channels.COMMAND_OUTPUT_IN)
  @Blocking
  public CompletionStage<Void> onCommandOutput(Message<String> message) {
    return processor.process(
        "coordinator.command-output",
        message,
        e -> engine.onCommandOutput(EventCodec.data(e, CommandOutput.class)));
  }
}
