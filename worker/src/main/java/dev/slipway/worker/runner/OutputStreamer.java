package dev.slipway.worker.runner;

import dev.slipway.common.events.CommandOutput;
import dev.slipway.common.events.EventCodec;
import dev.slipway.common.events.EventTypes;
import dev.slipway.common.events.Topics;
import dev.slipway.platform.messaging.EventProducer;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Streams a command's stdout and stderr to {@code slipway.command-output} as numbered chunks of
 * whole lines, in the order they were read. Nothing is held beyond one partial line per stream.
 */
final class OutputStreamer {

  private static final int MAX_CHUNK = 64 * 1024;

  private final EventProducer producer;
  private final String commandId;
  private final String buildId;
  private final Deque<Future<RecordMetadata>> inFlight = new ArrayDeque<>();
  private long seq;

  OutputStreamer(EventProducer producer, String commandId, String buildId) {
    this.producer = producer;
    this.commandId = commandId;
    this.buildId = buildId;
  }

  OutputStream stream(String name) {
    return new LineStream(name);
  }

  /** Publishes one chunk; returns its sequence number. */
  synchronized void emit(String stream, String text) {
    CommandOutput chunk = new CommandOutput(commandId, buildId, seq++, stream, text);
    String payload =
        EventCodec.encode(EventCodec.envelope(EventTypes.COMMAND_OUTPUT, commandId, chunk));
    inFlight.add(producer.send(Topics.COMMAND_OUTPUT, commandId, payload));
    while (!inFlight.isEmpty() && inFlight.peek().isDone()) {
      inFlight.poll();
    }
  }

  /** Waits until every chunk is acknowledged; returns how many chunks were published. */
  synchronized long finish() throws ExecutionException, InterruptedException, TimeoutException {
    for (Future<RecordMetadata> send : inFlight) {
      send.get(30, TimeUnit.SECONDS);
    }
    inFlight.clear();
    return seq;
  }

  private final class LineStream extends OutputStream {
    private final String name;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    LineStream(String name) {
      this.name = name;
    }

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) {
      int lastNewline = -1;
      for (int i = offset + length - 1; i >= offset; i--) {
        if (bytes[i] == '\n') {
          lastNewline = i;
          break;
        }
      }
      if (lastNewline < 0) {
        pending.write(bytes, offset, length);
        if (pending.size() >= MAX_CHUNK) {
          flush();
        }
        return;
      }
      pending.write(bytes, offset, lastNewline - offset + 1);
      flush();
      pending.write(bytes, lastNewline + 1, offset + length - lastNewline - 1);
    }

    @Override
    public synchronized void flush() {
      if (pending.size() > 0) {
        emit(name, pending.toString(StandardCharsets.UTF_8));
        pending.reset();
      }
    }

    @Override
    public void close() {
      flush();
    }
  }
}
