package dev.slipway.cli;

import dev.slipway.common.plan.Durations;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Option values that need checking before anything is sent: attributes, durations, URLs. */
final class Args {

  private Args() {}

  /** One {@code --attr key=value}. */
  record Attr(String key, String value) {}

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

  /** Checks a duration ({@code 30s}, {@code 5m}) and keeps it as written for the API. */
  static String duration(String text) {
    Durations.parse(text);
    return text.trim();
  }

  /** {@code linux}, {@code macos} or {@code windows}, in any case. */
  static String platform(String text) {
    String p = text.trim().toLowerCase(Locale.ROOT);
    if (!List.of("linux", "macos", "windows").contains(p)) {
      throw new IllegalArgumentException("'" + text + "' is not linux, macos or windows");
    }
    return p;
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

  /** Picocli converter for {@code --attr}: its message lands after the option's name. */
  static final class AttrConverter implements ITypeConverter<Attr> {
    @Override
    public Attr convert(String value) {
      try {
        return attr(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** Picocli converter for durations such as {@code --wait-timeout}. */
  static final class DurationConverter implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      try {
        return duration(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** Picocli converter for {@code --platform}. */
  static final class PlatformConverter implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
      try {
        return platform(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** Picocli converter for {@code --server}. */
  static final class ServerConverter implements ITypeConverter<URI> {
    @Override
    public URI convert(String value) {
      try {
        return server(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
