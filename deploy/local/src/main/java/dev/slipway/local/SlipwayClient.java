package dev.slipway.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.common.events.EventCodec;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** A small client of the coordinator's REST API. */
public final class SlipwayClient {

  /** A response: status code and body (JSON when the API sent JSON). */
  public record Reply(int status, String body) {
    public JsonNode json() {
      try {
        return MAPPER.readTree(body);
      } catch (IOException e) {
        throw new IllegalStateException("not JSON: " + body, e);
      }
    }

    /** The body as JSON, or an exception carrying the API's error message. */
    public JsonNode ok() {
      if (status / 100 != 2) {
        throw new IllegalStateException("HTTP " + status + ": " + body);
      }
      return json();
    }
  }

  private static final ObjectMapper MAPPER = EventCodec.mapper();

  private final URI base;
  private final String token;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /**
   * A client of the API at {@code baseUrl} that sends {@code token} as its bearer token (null: no
   * token, for tests of what an anonymous caller gets).
   */
  public SlipwayClient(String baseUrl, String token) {
    this.base = URI.create(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
    this.token = token;
  }

  /** The same API, called with another token (null: none). */
  public SlipwayClient withToken(String other) {
    return new SlipwayClient(base.toString(), other);
  }

  public Reply post(String path, Object body) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(MAPPER.writeValueAsString(body)))
            .build();
    return send(request);
  }

  public Reply patch(String path, Object body) throws IOException, InterruptedException {
    return send(
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .method("PATCH", HttpRequest.BodyPublishers.ofString(MAPPER.writeValueAsString(body)))
            .build());
  }

  public Reply delete(String path) throws IOException, InterruptedException {
    return send(
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(Duration.ofSeconds(30))
            .DELETE()
            .build());
  }

  public Reply get(String path) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).build());
  }

  private Reply send(HttpRequest request) throws IOException, InterruptedException {
    if (token != null) {
      request =
          HttpRequest.newBuilder(request, (name, value) -> true)
              .header("Authorization", "Bearer " + token)
              .build();
    }
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    return new Reply(response.statusCode(), response.body());
  }

  /** Registers a host; returns its id. */
  public String registerHost(Map<String, Object> host) throws IOException, InterruptedException {
    return post("api/v1/hosts", host).ok().get("id").asText();
  }

  public void savePlan(String name, String yaml) throws IOException, InterruptedException {
    post("api/v1/plans", Map.of("name", name, "yaml", yaml)).ok();
  }

  /** Submits a build of {@code plan}; returns its id. */
  public String submitBuild(String plan) throws IOException, InterruptedException {
    return post("api/v1/builds", Map.of("plan", plan)).ok().get("id").asText();
  }

  /**
   * Submits a build of {@code plan} for {@code commit} of {@code repository} on {@code branch}
   * (each may be null); returns its id.
   */
  public String submitBuild(String plan, String repository, String commit, String branch)
      throws IOException, InterruptedException {
    Map<String, Object> body = new HashMap<>();
    body.put("plan", plan);
    body.put("repository", repository);
    body.put("commit", commit);
    body.put("branch", branch);
    body.values().removeIf(Objects::isNull);
    return post("api/v1/builds", body).ok().get("id").asText();
  }

  /**
   * Resources that are not destroyed, of {@code type}, whose attributes contain every pair of
   * {@code attributes}.
   */
  public JsonNode resources(String type, Map<String, String> attributes)
      throws IOException, InterruptedException {
    StringBuilder query = new StringBuilder("api/v1/resources?type=").append(encode(type));
    attributes.forEach((k, v) -> query.append("&attr=").append(encode(k + ":" + v)));
    return get(query.toString()).ok();
  }

  /**
   * Every lease {@code GET /api/v1/leases?<query>} lists (e.g. {@code owner=pool-1}), following its
   * {@code next} cursor page by page.
   */
  public List<JsonNode> leases(String query) throws IOException, InterruptedException {
    List<JsonNode> all = new ArrayList<>();
    String cursor = null;
    do {
      JsonNode page =
          get("api/v1/leases?limit=200&"
                  + query
                  + (cursor == null ? "" : "&cursor=" + encode(cursor)))
              .ok();
      page.get("leases").forEach(all::add);
      cursor = page.get("next").isNull() ? null : page.get("next").asText();
    } while (cursor != null);
    return all;
  }

  public JsonNode lease(String id) throws IOException, InterruptedException {
    return get("api/v1/leases/" + id).ok();
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  public JsonNode build(String id) throws IOException, InterruptedException {
    return get("api/v1/builds/" + id).ok();
  }

  public String log(String buildId) throws IOException, InterruptedException {
    Reply reply = get("api/v1/builds/" + buildId + "/log");
    if (reply.status() != 200) {
      throw new IllegalStateException("HTTP " + reply.status() + ": " + reply.body());
    }
    return reply.body();
  }

  /** Waits until build {@code id} has a final status and returns the build. */
  public JsonNode awaitFinished(String id, Duration timeout)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonNode build = build(id);
      String status = build.get("status").asText();
      if (!status.equals("pending") && !status.equals("running")) {
        return build;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("build " + id + " still " + status + " after " + timeout);
      }
      Thread.sleep(50); // poll interval of a REST client waiting for a build
    }
  }
}
