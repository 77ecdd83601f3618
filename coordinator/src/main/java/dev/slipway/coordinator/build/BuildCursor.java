package dev.slipway.coordinator.build;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Base64;

/**
 * Where a page of builds ends: the {@code (createdAt, id)} of its last build. On the wire it is
 * opaque (base64url of {@code v1:<epoch microseconds>:<id>}); PostgreSQL keeps microseconds, so the
 * time survives the round trip exactly.
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
    String text = VERSION + ":" + micros + ":" + id;
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Reads a cursor this class encoded.
   *
   * @throws IllegalArgumentException when {@code text} is not one
   */
  public static BuildCursor decode(String text) {
    String[] parts;
    try {
      parts = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8).split(":", 3);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a cursor of this API", e);
    }
    if (parts.length != 3 || !VERSION.equals(parts[0]) || parts[2].isEmpty()) {
      throw new IllegalArgumentException("not a cursor of this API");
    }
    long micros;
    try {
      micros = Long.parseLong(parts[1]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a cursor of this API", e);
    }
    try {
      Instant at =
          Instant.ofEpochSecond(
              Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
      return new BuildCursor(at, parts[2]);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("not a cursor of this API", e);
    }
  }
}
