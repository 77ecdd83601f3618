package dev.slipway.local;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a service's {@code /q/metrics} (Prometheus text) as a scraper would, for tests. */
final class Scrape {

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)");
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  private Scrape() {}

  /** GET {@code path} of the service at {@code root} with {@code token} (null: none). */
  static HttpResponse<String> get(URI root, String path, String token)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(root.resolve(path)).timeout(Duration.ofSeconds(30));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The service's metrics, read with {@code token}; fails unless it answers 200. */
  static String metrics(URI root, String token) throws IOException, InterruptedException {
    HttpResponse<String> response = get(root, "q/metrics", token);
    if (response.statusCode() != 200) {
      throw new AssertionError("/q/metrics of " + root + " answered " + response.statusCode());
    }
    return response.body();
  }

  /**
   * The sum of every sample of {@code name} whose labels include {@code labels}; NaN when there is
   * none.
   */
  static double value(String text, String name, Map<String, String> labels) {
    double sum = Double.NaN;
    for (String line : text.split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (line.startsWith("#") || !m.find() || !m.group(1).equals(name)) {
        continue;
      }
      Map<String, String> found = new java.util.HashMap<>();
      if (m.group(3) != null) {
        Matcher l = LABEL.matcher(m.group(3));
        while (l.find()) {
          found.put(l.group(1), l.group(2).replace("\\\"", "\"").replace("\\\\", "\\"));
        }
      }
      if (found.entrySet().containsAll(labels.entrySet())) {
        double v = Double.parseDouble(m.group(4));
        sum = Double.isNaN(sum) ? v : sum + v;
      }
    }
    return sum;
  }

  /** The lines of {@code text} that start with {@code prefix}, for failure messages. */
  static String lines(String text, String prefix) {
    return text.lines()
        .filter(l -> l.startsWith(prefix))
        .collect(java.util.stream.Collectors.joining("\n"));
  }

  static double value(String text, String name) {
    return value(text, name, Map.of());
  }
}
