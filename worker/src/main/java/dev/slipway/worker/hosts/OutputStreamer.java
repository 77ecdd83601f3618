package dev.slipway.worker.hosts;

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
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Streams a command's stdout and stderr to {@code slipway.command-output} as chunks of whole lines
 * (a line longer than 64 KiB is cut at a character boundary), each with its byte offset in its
 * stream, registered secret values masked. Nothing is held beyond one partial line per stream;
 * Kafka's producer buffer bounds what is in flight.
 */
public final class OutputStreamer {

  private static final int MAX_CHUNK = 64 * 1024;

  private final EventProducer producer;
  private final String commandId;
  private final String buildId;
  private final Deque<Future<RecordMetadata>> inFlight = new ArrayDeque<>();
  private final Map<String, Pending> pending = new HashMap<>();
  private long seq;
  private volatile Redactor redactor = Redactor.NONE;
  private Exception undelivered;

  public OutputStreamer(
      EventProducer producer, String commandId, String buildId, long stdoutFrom, long stderrFrom) {
    this.producer = producer;
    this.commandId = commandId;
    this.buildId = buildId;
    pending.put(CommandOutput.STDOUT, new Pending(stdoutFrom));
    pending.put(CommandOutput.STDERR, new Pending(stderrFrom));
  }

  /** Masks these secret values in everything sent from now on (see {@link Redactor}). */
  public void redact(java.util.Collection<String> secrets) {
    redactor = Redactor.of(secrets);
  }

  /** Takes {@code length} bytes of {@code stream} that start at {@code offset} of it. */
  public synchronized void write(String stream, long offset, byte[] data, int length) {
    Pending p = pending.get(stream);
    int skip = (int) Math.max(0, p.end() - offset); // already taken (a resumed follow)
    if (skip >= length) {
      return;
    }
    p.bytes.write(data, skip, length - skip);
    p.emitWholeLines(stream, false);
  }

  /** An {@link OutputStream} for one stream, for commands that stream through their channel. */
  public OutputStream stream(String name) {
    return new OutputStream() {
      @Override
      public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] bytes, int offset, int length) {
        byte[] copy = java.util.Arrays.copyOfRange(bytes, offset, offset + length);
        OutputStreamer.this.write(name, pending.get(name).end(), copy, length);
      }
    };
  }

  /** A note from Slipway itself on stderr (e.g. why the command could not run). */
  public synchronized void note(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    write(CommandOutput.STDERR, pending.get(CommandOutput.STDERR).end(), bytes, bytes.length);
  }

  /**
   * Sends what is held, waits until every chunk is acknowledged; returns [stdout, stderr] sizes.
   *
   * @throws ExecutionException when a chunk, now or earlier, could not be published: the caller
   *     reports the command's output as undelivered (sizes of -1), never as complete
   */
  public synchronized long[] finish()
      throws ExecutionException, InterruptedException, TimeoutException {
    pending.get(CommandOutput.STDOUT).emitWholeLines(CommandOutput.STDOUT, true);
    pending.get(CommandOutput.STDERR).emitWholeLines(CommandOutput.STDERR, true);
    for (Future<RecordMetadata> send : inFlight) {
      send.get(30, TimeUnit.SECONDS);
    }
    inFlight.clear();
    if (undelivered != null) {
      throw new ExecutionException("a chunk of output could not be published", undelivered);
    }
    return new long[] {
      pending.get(CommandOutput.STDOUT).end(), pending.get(CommandOutput.STDERR).end()
    };
  }

  private void emit(String stream, long offset, byte[] bytes, int length) {
    redactor.redact(bytes, length); // in place: bytes is this chunk's own copy
    String text = new String(bytes, 0, length, StandardCharsets.UTF_8);
    CommandOutput chunk =
        new CommandOutput(commandId, buildId, seq++, stream, offset, length, text);
    String payload =
        EventCodec.encode(EventCodec.envelope(EventTypes.COMMAND_OUTPUT, commandId, chunk));
    inFlight.add(producer.send(Topics.COMMAND_OUTPUT, commandId, payload));
    while (!inFlight.isEmpty() && inFlight.peek().isDone()) {
      Future<RecordMetadata> sent = inFlight.poll();
      try {
        sent.get(); // done: does not wait
      } catch (ExecutionException | InterruptedException e) {
        undelivered = e; // finish() says so: the command's result then cannot vouch for its log
      }
    }
  }

  /** Bytes of one stream read but not yet sent: they start at {@code offset}. */
  private final class Pending {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private long offset;

    Pending(long offset) {
      this.offset = offset;
    }

    long end() {
      return offset + bytes.size();
    }

    void emitWholeLines(String stream, boolean all) {
      byte[] held = bytes.toByteArray();
      int from = 0;
      while (from < held.length) {
        int cut = cut(held, from, all);
        if (cut <= from) {
          break;
        }
        byte[] piece = java.util.Arrays.copyOfRange(held, from, cut);
        emit(stream, offset, piece, piece.length);
        offset += piece.length;
        from = cut;
      }
      bytes.reset();
      bytes.write(held, from, held.length - from);
    }

    /** Where the next chunk from {@code from} ends: after its last newline, or at 64 KiB. */
    private static int cut(byte[] held, int from, boolean all) {
      int limit = Math.min(held.length, from + MAX_CHUNK);
      for (int i = limit - 1; i >= from; i--) {
        if (held[i] == '\n') {
          return i + 1;
        }
      }
      if (limit - from == MAX_CHUNK) {
        return characterBoundary(held, from, limit);
      }
      return all ? limit : from;
    }

    /** {@code at}, or the start of the UTF-8 character that {@code at} would split. */
    private static int characterBoundary(byte[] held, int from, int at) {
      for (int back = 1; back <= 3 && at - back > from; back++) {
        int b = held[at - back] & 0xFF;
        if ((b & 0xC0) == 0x80) {
          continue; // a continuation byte: look further back for the lead byte
        }
        int length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
        return length > back ? at - back : at;
      }
      return at;
    }
  }
}
