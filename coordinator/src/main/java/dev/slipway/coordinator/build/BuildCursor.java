package dev.slipway.coordinator.build;

import dev.slipway.coordinator.api.Paging;
import java.time.DateTimeException;
import java.time.Instant;

/**
 * Where a page of builds ends: the {@code (createdAt, id)} of its last build. On the wire it is
 * opaque ({@link Paging#encode} of {@code v1:<epoch microseconds>:<id>}); PostgreSQL keeps
 * microseconds, so the time survives the round trip exactly.
 */
public record BuildCursor(Instant createdAt, String id) {

  private static final String VERSION = "v1";

  public static BuildCursor after(Build build) {
    return new BuildCursor(build.createdAt, build.id);
  }

  public String encode() {
    long micros =
        Math.addExact(
            Math.multiplyExact(createdAt.getEpochSecond(), 1_000_000L),
            createdAt.getNano() / 1_000);
    return Paging.encode(VERSION, Long.toString(micros), id);
  }

  /**
   * Reads a cursor this class encoded.
   *
   * @throws IllegalArgumentException when {@code text} is not one
   */
  public static BuildCursor decode(String text) {
    String[] fields = Paging.decode(VERSION, text, 2);
    long micros = Paging.number(fields[0]);
    try {
      Instant at =
          Instant.ofEpochSecond(
              Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
      return new BuildCursor(at, fields[1]);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("not a cursor of this API", e);
    }
  }
}
