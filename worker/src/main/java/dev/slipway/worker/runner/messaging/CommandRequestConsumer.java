package dev.slipway.worker.runner.messaging;

import dev.slipway.common.events.Channels;
import dev.slipway.common.events.CommandAbortRequested;
import dev.slipway.common.events.CommandRequested;
import dev.slipway.common.events.EventCodec;
import dev.slipway.common.events.EventTypes;
import dev.slipway.platform.messaging.EventProcessor;
import dev.slipway.worker.runner.CommandRunner;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/** The runner role: command requests. */
@ApplicationScoped
public class CommandRequestConsumer {

  private static final Logger LOG = Logger.getLogger(CommandRequestConsumer.class);

  @Inject EventProcessor processor;
  @Inject CommandRunner runner;

  @Incoming(Channels.COMMAND_REQUESTS_IN)
  @Blocking
  public CompletionStage<Void> onCommandRequest(Message<String> message) {
    return processor.process(
        "runner.command-requests",
        message,
        e -> {
          if (EventTypes.COMMAND_REQUESTED.equals(e.type())) {
            runner.accept(EventCodec.data(e, CommandRequested.class));
          } else if (EventTypes.COMMAND_ABORT_REQUESTED.equals(e.type())) {
            runner.abort(EventCodec.data(e, CommandAbortRequested.class));
          } else {
            LOG.warnf("ignored event of type %s on command requests", e.type());
          }
        });
  }
}
