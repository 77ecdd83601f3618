package dev.slipway.coordinator.build;

import dev.slipway.common.events.CommandFinished;
import dev.slipway.common.events.CommandOutput;
import dev.slipway.platform.command.StoredOutput;
import dev.slipway.platform.persistence.AfterCommit;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Command output in PostgreSQL, one row per chunk, kept by byte range of its stream: a chunk that
 * was sent twice (redelivered, or sent again by a runner that re-attached to the command) is stored
 * once, and a chunk that overlaps what is stored keeps only its new bytes. Chunks are read in the
 * order they were stored. Callers serialize appends per build (they hold the build's row lock).
 *
 * <p>A step's output is stored up to {@code slipway.builds.max-log-bytes-per-step}; what comes
 * after is dropped. A dropped range is still a row (seq {@value #DROPPED}, its byte range, no text)
 * so that the stream's stored end moves on; the first one of a command holds the marker line.
 */
@ApplicationScoped
public class LogStore {

  /** The {@code seq} of a row that stands for dropped output. */
  static final long DROPPED = -1;

  /** The {@code seq} of a row that stands for output that never arrived (its text says so). */
  static final long LOST = -2;

  private static final Logger LOG = Logger.getLogger(LogStore.class);

  /** A stored chunk: its row id (the order of the log) and its text. */
  public record Chunk(long id, String text) {}

  @Inject EntityManager entityManager;
  @Inject StoredOutput stored;
  @Inject BuildConfig config;
  @Inject LogFollowers followers;
  @Inject TransactionSynchronizationRegistry transactions;

  @Transactional(Transactional.TxType.MANDATORY)
  public void append(CommandOutput chunk) {
    String commandId = chunk.commandId();
    long end = stored.end(commandId, chunk.stream());
    long chunkEnd = chunk.offset() + chunk.bytes();
    if (chunkEnd <= end) {
      return; // stored already
    }
    if (chunk.offset() > end) { // chunks of a command come in order: these were lost
      LOG.warnf(
          "output of command %s: %s bytes %d..%d never arrived",
          commandId, chunk.stream(), end, chunk.offset());
      lost(commandId, chunk.stream(), end, chunk.offset());
      end = chunk.offset();
    }
    byte[] bytes = chunk.text().getBytes(StandardCharsets.UTF_8);
    int skip = (int) Math.max(0, end - chunk.offset());
    long from = chunk.offset() + skip;
    byte[] fresh = Arrays.copyOfRange(bytes, skip, bytes.length);
    boolean truncated = truncated(commandId);
    long room = truncated ? 0 : roomLeft(commandId, chunk.stream(), end);
    int keep = fresh.length <= room ? fresh.length : characterBoundary(fresh, (int) room);
    if (keep > 0) {
      insert(commandId, chunk.seq(), chunk.stream(), from, Arrays.copyOf(fresh, keep));
    }
    if (from + keep < chunkEnd) {
      String marker =
          truncated ? "" : (keep > 0 && fresh[keep - 1] != '\n' ? "\n" : "") + truncationMarker();
      drop(commandId, chunk.stream(), from + keep, chunkEnd, marker);
    }
    AfterCommit.run(transactions, () -> followers.wake(chunk.buildId()));
  }

  /** Marks bytes {@code from} to {@code to} of the stream as never arrived. */
  private void lost(String commandId, String stream, long from, long to) {
    long lost = to - from;
    marker(
        commandId,
        stream,
        from,
        lost,
        "slipway: " + lost + " bytes of " + stream + " never arrived here\n");
  }

  /**
   * Marks what {@code result} says was published of each stream, and is not stored, as never
   * arrived: the events that carried it were lost. Returns whether anything was missing.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public boolean markMissing(String commandId, CommandFinished result) {
    boolean missing = false;
    for (String stream : List.of(CommandOutput.STDOUT, CommandOutput.STDERR)) {
      long expected =
          CommandOutput.STDOUT.equals(stream) ? result.stdoutBytes() : result.stderrBytes();
      long end = stored.end(commandId, stream);
      if (expected > end) {
        LOG.warnf(
            "output of command %s: %s bytes %d..%d never arrived; the step completes without them",
            commandId, stream, end, expected);
        lost(commandId, stream, end, expected);
        missing = true;
      }
    }
    return missing;
  }

  /** The line that stands for the output of a step beyond the cap. */
  String truncationMarker() {
    return "slipway: output truncated after "
        + size(config.maxLogBytesPerStep().asLongValue())
        + "\n";
  }

  /** {@code at}, or the start of the UTF-8 character that {@code at} would split. */
  private static int characterBoundary(byte[] bytes, int at) {
    while (at > 0 && at < bytes.length && (bytes[at] & 0xC0) == 0x80) {
      at--; // a continuation byte: the character starts before it
    }
    return at;
  }

  /** {@code 64 MiB}, {@code 512 KiB}, {@code 1000 bytes}. */
  private static String size(long bytes) {
    long mib = 1024 * 1024;
    return bytes % mib == 0
        ? bytes / mib + " MiB"
        : bytes % 1024 == 0 ? bytes / 1024 + " KiB" : bytes + " bytes";
  }

  /** How many more bytes of output the command may store (both streams count). */
  private long roomLeft(String commandId, String stream, long end) {
    String other =
        CommandOutput.STDOUT.equals(stream) ? CommandOutput.STDERR : CommandOutput.STDOUT;
    long used = end + stored.end(commandId, other);
    return Math.max(0, config.maxLogBytesPerStep().asLongValue() - used);
  }

  private boolean truncated(String commandId) {
    return hasRowOf(commandId, DROPPED);
  }

  private void insert(String commandId, long seq, String stream, long offset, byte[] text) {
    entityManager
        .createNativeQuery(
            "insert into log_chunks (command_id, seq, stream, byte_offset, byte_length, text)"
                + " values (?1, ?2, ?3, ?4, ?5, ?6) on conflict do nothing")
        .setParameter(1, commandId)
        .setParameter(2, seq)
        .setParameter(3, stream)
        .setParameter(4, offset)
        .setParameter(5, text.length)
        .setParameter(6, new String(text, StandardCharsets.UTF_8))
        .executeUpdate();
  }

  /**
   * Records bytes {@code from..to} of the stream as dropped: the stream's dropped row that ends at
   * {@code from} grows, or a new one starts (after a gap, or when the row would outgrow its int).
   */
  private void drop(String commandId, String stream, long from, long to, String marker) {
    int grown =
        entityManager
            .createNativeQuery(
                "update log_chunks set byte_length = ?1 - byte_offset"
                    + " where command_id = ?2 and stream = ?3 and seq = ?4"
                    + " and byte_offset + byte_length = ?5 and ?1 - byte_offset <= ?6")
            .setParameter(1, to)
            .setParameter(2, commandId)
            .setParameter(3, stream)
            .setParameter(4, DROPPED)
            .setParameter(5, from)
            .setParameter(6, (long) Integer.MAX_VALUE)
            .executeUpdate();
    if (grown == 0) {
      entityManager
          .createNativeQuery(
              "insert into log_chunks (command_id, seq, stream, byte_offset, byte_length, text)"
                  + " values (?1, ?2, ?3, ?4, ?5, ?6)")
          .setParameter(1, commandId)
          .setParameter(2, DROPPED)
          .setParameter(3, stream)
          .setParameter(4, from)
          .setParameter(5, (int) Math.min(to - from, Integer.MAX_VALUE))
          .setParameter(6, marker)
          .executeUpdate();
    }
  }

  /** The line that ends the log of a step whose runner could not deliver all of its output. */
  static final String UNDELIVERED =
      "slipway: part of this step's output could not be delivered; its log is incomplete\n";

  /**
   * Marks the end of the command's log as incomplete: its runner could not publish all of it (and
   * so cannot say how much there was).
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public void markUndelivered(String commandId, String buildId) {
    marker(
        commandId,
        CommandOutput.STDERR,
        stored.end(commandId, CommandOutput.STDERR),
        0,
        UNDELIVERED);
    AfterCommit.run(transactions, () -> followers.wake(buildId));
  }

  /** Whether the command's log has a marker of output that never arrived. */
  public boolean incomplete(String commandId) {
    return hasRowOf(commandId, LOST);
  }

  /** Whether the log has a row with {@code seq} ({@link #DROPPED}, {@link #LOST}). */
  private boolean hasRowOf(String commandId, long seq) {
    return (Boolean)
        entityManager
            .createNativeQuery(
                "select exists (select 1 from log_chunks where command_id = ?1 and seq = ?2)")
            .setParameter(1, commandId)
            .setParameter(2, seq)
            .getSingleResult();
  }

  /**
   * A row that stands for {@code length} bytes of the stream from {@code offset} that were lost.
   */
  private void marker(String commandId, String stream, long offset, long length, String text) {
    entityManager
        .createNativeQuery(
            "insert into log_chunks (command_id, seq, stream, byte_offset, byte_length, text)"
                + " values (?1, ?2, ?3, ?4, ?5, ?6) on conflict do nothing")
        .setParameter(1, commandId)
        .setParameter(2, LOST)
        .setParameter(3, stream)
        .setParameter(4, offset)
        .setParameter(5, (int) Math.min(length, Integer.MAX_VALUE))
        .setParameter(6, text)
        .executeUpdate();
  }

  /**
   * Whether every byte that {@code result} says was published is stored (or dropped, or marked
   * lost); a result that cannot say (its runner could not publish everything) holds nothing more.
   */
  public boolean holdsAll(String commandId, CommandFinished result) {
    return stored.end(commandId, CommandOutput.STDOUT) >= result.stdoutBytes()
        && stored.end(commandId, CommandOutput.STDERR) >= result.stderrBytes();
  }

  /** Up to {@code limit} chunks of the command's output stored after chunk {@code afterId}. */
  @SuppressWarnings("unchecked")
  public List<Chunk> page(String commandId, long afterId, int limit) {
    List<Object[]> rows =
        entityManager
            .createNativeQuery(
                "select id, text from log_chunks where command_id = ?1 and id > ?2"
                    + " and text <> '' order by id limit ?3")
            .setParameter(1, commandId)
            .setParameter(2, afterId)
            .setParameter(3, limit)
            .getResultList();
    return rows.stream().map(r -> new Chunk(((Number) r[0]).longValue(), (String) r[1])).toList();
  }

  /**
   * Deletes up to {@code batch} rows of the logs of build {@code buildId}'s steps (retention);
   * returns how many.
   */
  @Transactional(Transactional.TxType.MANDATORY)
  public int deleteOf(String buildId, int batch) {
    return entityManager
        .createNativeQuery(
            "delete from log_chunks where id = any(array(select id from log_chunks where command_id"
                + " in (select log_id from steps where build_id = ?1 and log_id is not null"
                + " union select id from commands where build_id = ?1) limit ?2))")
        .setParameter(1, buildId)
        .setParameter(2, batch)
        .executeUpdate();
  }
}
