package dev.slipway.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The coordinator's REST API over {@code java.net.http}, every request with the bearer token when
 * there is one. A 4xx/5xx becomes an {@link ApiException} carrying the API's {@code {error,
 * message, field?}}; a server that cannot be reached becomes an {@link Unreachable}.
 */
public final class ApiClient {

  static final ObjectMapper MAPPER = new ObjectMapper();

  /** Accept header for text (a log); an error still comes as the API's JSON. */
  private static final String TEXT = "text/plain, application/json;q=0.5";

  /** A successful response: its body as the API sent it, and parsed. */
  public record Reply(String body, JsonNode json) {}

  /** The API refused the request. */
  public static final class ApiException extends RuntimeException {
    static final int UNAUTHORIZED = 401;
    static final int FORBIDDEN = 403;

    final int status;
    final String error;
    final String field;

    public ApiException(int status, String error, String message, String field) {
      super(message);
      this.status = status;
      this.error = error;
      this.field = field;
    }
  }

  /** The server did not answer at all (refused, unknown host, timed out). */
  public static final class Unreachable extends RuntimeException {
    public Unreachable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final URI server;
  private final String token;
  private final HttpClient http;

  /**
   * @param token sent as {@code Authorization: Bearer <token>}; null sends none
   */
  public ApiClient(URI server, String token) {
    this.server = server;
    this.token = token;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  public URI server() {
    return server;
  }

  public Reply get(String path) {
    return exchange("GET", path, null);
  }

  /** A GET of text (a build's log); an error still comes as the API's JSON. */
  public Reply getText(String path) {
    return exchange("GET", path, null, TEXT);
  }

  /**
   * A GET of text streamed to {@code sink} as it arrives, flushed piece by piece, for as long as
   * the server sends (a followed log: until its build ends); an error comes as the API's JSON.
   */
  public void stream(String path, java.io.OutputStream sink) {
    HttpRequest.Builder request = request(path, TEXT).GET();
    try {
      HttpResponse<java.io.InputStream> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
      try (java.io.InputStream in = response.body()) {
        if (response.statusCode() / 100 != 2) {
          reply(
              "GET",
              path,
              response.statusCode(),
              new String(in.readAllBytes(), StandardCharsets.UTF_8));
          return;
        }
        byte[] buffer = new byte[8192];
        for (int n; (n = in.read(buffer)) >= 0; ) {
          sink.write(buffer, 0, n);
          sink.flush();
        }
      }
    } catch (IOException e) {
      throw new Unreachable("cannot reach " + server + ": " + reason(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unreachable("interrupted while talking to " + server, e);
    }
  }

  public Reply post(String path, Object body) {
    return exchange("POST", path, body);
  }

  public Reply patch(String path, Object body) {
    return exchange("PATCH", path, body);
  }

  public Reply delete(String path) {
    return exchange("DELETE", path, null);
  }

  private Reply exchange(String method, String path, Object body) {
    return exchange(method, path, body, "application/json");
  }

  /** A request to {@code path} on the server, accepting {@code accept}, with the token. */
  private HttpRequest.Builder request(String path, String accept) {
    String base = server.toString();
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create((base.endsWith("/") ? base : base + "/") + path))
            .header("Accept", accept);
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return request;
  }

  private Reply exchange(String method, String path, Object body, String accept) {
    HttpRequest.BodyPublisher content =
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(write(body));
    HttpRequest.Builder request =
        request(path, accept)
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .method(method, content);
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new Unreachable("cannot reach " + server + ": " + reason(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unreachable("interrupted while talking to " + server, e);
    }
    return reply(method, path, response.statusCode(), response.body());
  }

  /** Turns a status and body into a reply, or into the API's error. */
  static Reply reply(String method, String path, int status, String body) {
    JsonNode json = read(body);
    if (status / 100 == 2) {
      return new Reply(body, json);
    }
    String message = json.path("message").asText(null);
    if (message == null) {
      message = "HTTP " + status + " from " + method + " /" + path;
    }
    throw new ApiException(
        status, json.path("error").asText(null), message, json.path("field").asText(null));
  }

  /**
   * {@code api/v1/hosts/ID} with the id encoded as one path segment.
   *
   * @throws EmptyId when {@code id} is empty (it would name the collection instead)
   */
  static String path(String prefix, String id) {
    if (id.isBlank()) {
      throw new EmptyId();
    }
    return prefix + "/" + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** An ID given as an empty string: a usage error. */
  static final class EmptyId extends IllegalArgumentException {
    EmptyId() {
      super("an ID cannot be empty");
    }
  }

  /** One query parameter; one whose value is null is left out. */
  record Param(String name, String value) {}

  /** {@code path?name=value&...}, skipping null values and encoding the rest. */
  static String query(String path, List<Param> parameters) {
    String q =
        parameters.stream()
            .filter(p -> p.value() != null)
            .map(p -> encode(p.name()) + "=" + encode(p.value()))
            .collect(Collectors.joining("&"));
    return q.isEmpty() ? path : path + "?" + q;
  }

  /**
   * Puts {@code value} in a request body as {@code field}; a null value (not given) is left out.
   */
  static void putIfGiven(Map<String, Object> body, String field, Object value) {
    if (value != null) {
      body.put(field, value);
    }
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  /** The first message in the cause chain, or the exception's kind when none has one. */
  static String reason(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        return t.getMessage();
      }
    }
    if (e instanceof HttpConnectTimeoutException) {
      return "connect timed out";
    }
    if (e instanceof ConnectException) {
      return "connection refused";
    }
    return e.getClass().getSimpleName();
  }

  static String write(Object body) {
    try {
      return MAPPER.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static JsonNode read(String body) {
    if (body == null || body.isBlank()) {
      return MissingNode.getInstance();
    }
    try {
      return MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      return MissingNode.getInstance();
    }
  }
}
