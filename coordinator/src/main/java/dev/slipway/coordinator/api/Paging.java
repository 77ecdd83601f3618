package dev.slipway.coordinator.api;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;

/**
 * Cursor paging of the API's listings ({@code ?limit=N&cursor=C}, answered with the page and the
 * {@code next} cursor, null on the last page): the one reading of {@code limit} and {@code cursor},
 * the cut of a page, and the opaque wire form of a cursor (base64url of {@code
 * <kind>:<field>:...}). A listing asks its repository for {@code size + 1} rows after the cursor;
 * the extra row only tells that another page follows.
 */
public final class Paging {

  /** Rows of a page when {@code limit} is not given. */
  public static final int DEFAULT_LIMIT = 50;

  /** The most rows one page may hold. */
  public static final int MAX_LIMIT = 200;

  /** A page: at most the asked-for number of items, and the cursor of the next page or null. */
  public record Page<T>(List<T> items, String next) {}

  private Paging() {}

  /** The page size that {@code limit} asks for; 400 naming {@code limit} when it is no size. */
  public static int size(String limit) {
    if (limit == null) {
      return DEFAULT_LIMIT;
    }
    try {
      int size = Integer.parseInt(limit.trim());
      if (size >= 1 && size <= MAX_LIMIT) {
        return size;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw ApiException.badRequest(
        "limit", "limit must be a whole number from 1 to " + MAX_LIMIT + ", not '" + limit + "'");
  }

  /**
   * {@code cursor} read by {@code decode} (null when none was given); 400 naming {@code cursor}
   * when {@code decode} refuses it with an {@link IllegalArgumentException}.
   */
  public static <C> C cursor(String cursor, Function<String, C> decode) {
    if (cursor == null) {
      return null;
    }
    try {
      return decode.apply(cursor);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(
          "cursor", "cursor must be the 'next' of an earlier page: " + e.getMessage());
    }
  }

  /**
   * The first {@code size} of {@code found} (which holds up to {@code size + 1} rows), and, when
   * there were more, the cursor after the page's last item.
   */
  public static <T> Page<T> page(List<T> found, int size, Function<T, String> cursorAfter) {
    List<T> items = List.copyOf(found.subList(0, Math.min(size, found.size())));
    return new Page<>(items, found.size() > size ? cursorAfter.apply(items.get(size - 1)) : null);
  }

  /** The wire form of a cursor of {@code kind} holding {@code fields} (the last may hold ':'). */
  public static String encode(String kind, String... fields) {
    String text = kind + ":" + String.join(":", fields);
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The {@code count} fields of a cursor of {@code kind} that {@link #encode} wrote, each not
   * empty.
   *
   * @throws IllegalArgumentException when {@code text} is not one
   */
  public static String[] decode(String kind, String text, int count) {
    String[] parts;
    try {
      parts =
          new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8)
              .split(":", count + 1);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a cursor of this API", e);
    }
    if (parts.length != count + 1 || !kind.equals(parts[0])) {
      throw new IllegalArgumentException("not a cursor of this API");
    }
    String[] fields = new String[count];
    for (int i = 0; i < count; i++) {
      if (parts[i + 1].isEmpty()) {
        throw new IllegalArgumentException("not a cursor of this API");
      }
      fields[i] = parts[i + 1];
    }
    return fields;
  }

  /**
   * A whole number in a cursor field.
   *
   * @throws IllegalArgumentException when it is none
   */
  public static long number(String field) {
    try {
      return Long.parseLong(field);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a cursor of this API", e);
    }
  }
}
