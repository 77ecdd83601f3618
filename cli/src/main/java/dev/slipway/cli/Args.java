package dev.slipway.cli;

import dev.slipway.common.plan.Durations;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Option values that need checking before anything is sent: attributes, durations, URLs, roles. */
final class Args {

  private Args() {}

  /** One {@code --attr key=value}. */
  record Attr(String key, String value) {}

  /** The attributes one lease group {@code --member} asks for. */
  record Member(Map<String, String> attributes) {}

  /** Splits {@code key=value} at the first {@code =}; the value may be empty, the key may not. */
  static Attr attr(String text) {
    int eq = text.indexOf('=');
    if (eq < 0) {
      throw new IllegalArgumentException("'" + text + "' is not key=value (e.g. platform=linux)");
    }
    String key = text.substring(0, eq).trim();
    if (key.isEmpty()) {
      throw new IllegalArgumentException("'" + text + "' has no key before '='");
    }
    return new Attr(key, text.substring(eq + 1).trim());
  }

  /** The attributes in the order given; a key given twice is refused. */
  static Map<String, String> attributes(List<Attr> attrs) {
    Map<String, String> map = new LinkedHashMap<>();
    for (Attr a : attrs == null ? List.<Attr>of() : attrs) {
      if (map.put(a.key(), a.value()) != null) {
        throw new IllegalArgumentException("'" + a.key() + "' is given twice");
      }
    }
    return map;
  }

  /**
   * One lease group member's attributes, {@code key=value} pairs separated by commas ({@code
   * platform=linux,arch=x64}), in the order given; empty text asks for none. A value cannot hold a
   * comma: the part after it would be read as the next pair.
   */
  static Map<String, String> member(String text) {
    List<Attr> attrs = new ArrayList<>();
    if (!text.isBlank()) {
      for (String pair : text.split(",", -1)) {
        attrs.add(attr(pair));
      }
    }
    return attributes(attrs);
  }

  /** Checks a duration ({@code 30s}, {@code 5m}) and keeps it as written for the API. */
  static String duration(String text) {
    Durations.parse(text);
    return text.trim();
  }

  /**
   * How long a token lives: days ({@code 30d}, which plans have no use for) or any duration the
   * services accept ({@code 12h}).
   */
  static Duration lifetime(String text) {
    String t = text.trim();
    if (t.matches("[0-9]{1,6}d")) {
      return Duration.ofDays(Long.parseLong(t.substring(0, t.length() - 1)));
    }
    try {
      return Durations.parse(t);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a duration (write e.g. 12h or 30d)");
    }
  }

  /** {@code viewer}, {@code operator} or {@code admin}, in any case. */
  static String role(String text) {
    return oneOf(text, List.of("viewer", "operator", "admin"));
  }

  /** {@code linux}, {@code macos} or {@code windows}, in any case. */
  static String platform(String text) {
    return oneOf(text, List.of("linux", "macos", "windows"));
  }

  private static String oneOf(String text, List<String> allowed) {
    String value = text.trim().toLowerCase(Locale.ROOT);
    if (!allowed.contains(value)) {
      throw new IllegalArgumentException(
          "'"
              + text
              + "' is not "
              + String.join(", ", allowed.subList(0, allowed.size() - 1))
              + " or "
              + allowed.get(allowed.size() - 1));
    }
    return value;
  }

  /** An http(s) URL of the coordinator. */
  static URI server(String text) {
    URI uri;
    try {
      uri = URI.create(text.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + text + "' is not a URL");
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
        || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "'" + text + "' is not an http(s) URL (e.g. http://127.0.0.1:8080)");
    }
    return uri;
  }

  /**
   * A picocli converter from one of the checks above: its message lands after the option's name.
   */
  abstract static class Checked<T> implements ITypeConverter<T> {
    abstract T check(String value);

    @Override
    public final T convert(String value) {
      try {
        return check(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** {@code --attr}. */
  static final class AttrConverter extends Checked<Attr> {
    @Override
    Attr check(String value) {
      return attr(value);
    }
  }

  /** {@code --member}. */
  static final class MemberConverter extends Checked<Member> {
    @Override
    Member check(String value) {
      return new Member(member(value));
    }
  }

  /** Durations such as {@code --wait-timeout}. */
  static final class DurationConverter extends Checked<String> {
    @Override
    String check(String value) {
      return duration(value);
    }
  }

  /** {@code --expires-in}. */
  static final class LifetimeConverter extends Checked<Duration> {
    @Override
    Duration check(String value) {
      return lifetime(value);
    }
  }

  /** {@code --role}. */
  static final class RoleConverter extends Checked<String> {
    @Override
    String check(String value) {
      return role(value);
    }
  }

  /** {@code --platform}. */
  static final class PlatformConverter extends Checked<String> {
    @Override
    String check(String value) {
      return platform(value);
    }
  }

  /** {@code --server}. */
  static final class ServerConverter extends Checked<URI> {
    @Override
    URI check(String value) {
      return server(value);
    }
  }
}
