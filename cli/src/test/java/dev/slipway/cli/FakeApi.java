package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.slipway.cli.ApiClient.ApiException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The coordinator's API as a test wants it: real HTTP on loopback, answered by the test's function,
 * every request recorded with its {@code Authorization} header. All fakes share one server, each
 * under a base path of its own, so that none needs closing.
 */
final class FakeApi {

  /**
   * One request as it arrived.
   *
   * @param path relative to the API's base, query included, as sent: {@code api/v1/hosts?x=1}
   * @param body the JSON sent, or null when there was none
   * @param authorization the {@code Authorization} header, or null
   */
  record Request(String method, String path, JsonNode body, String authorization) {}

  /**
   * Answers one request with a JSON body (null: 204, no body), or throws {@link ApiException} for
   * the API's error reply.
   */
  interface Responder {
    String answer(Request request);
  }

  private static final AtomicInteger NEXT = new AtomicInteger();
  private static final HttpServer SERVER = start();

  final List<Request> requests = new CopyOnWriteArrayList<>();
  private final Responder responder;
  private final String base;

  FakeApi(Responder responder) {
    this.responder = responder;
    this.base = "/fake-" + NEXT.incrementAndGet();
    SERVER.createContext(base + "/", this::handle);
  }

  /** Answers only requests that carry {@code Bearer token}; the others get the API's 401. */
  static Responder requiring(String token, Responder responder) {
    return request -> {
      if (!("Bearer " + token).equals(request.authorization())) {
        throw new ApiException(401, "unauthorized", "missing or invalid token", null);
      }
      return responder.answer(request);
    };
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + SERVER.getAddress().getPort() + base);
  }

  /** A client of this API without a token. */
  ApiClient client() {
    return new ApiClient(url(), null);
  }

  Request only(String method) {
    List<Request> matching = requests.stream().filter(r -> r.method().equals(method)).toList();
    if (matching.size() != 1) {
      throw new AssertionError("expected one " + method + " but got " + requests);
    }
    return matching.get(0);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      URI uri = exchange.getRequestURI();
      String path =
          uri.getRawPath().substring(base.length() + 1)
              + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
      String sent = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      Request request =
          new Request(
              exchange.getRequestMethod(),
              path,
              sent.isEmpty() ? null : ApiClient.read(sent),
              exchange.getRequestHeaders().getFirst("Authorization"));
      requests.add(request);
      int status;
      String answer;
      try {
        answer = responder.answer(request);
        status = answer == null ? 204 : 200;
      } catch (ApiException e) {
        status = e.status;
        answer = ApiClient.write(error(e));
        if (status == 401) {
          exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer");
        }
      }
      if (answer == null) {
        exchange.sendResponseHeaders(status, -1);
        return;
      }
      byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  private static Map<String, String> error(ApiException e) {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("error", e.error);
    body.put("message", e.getMessage());
    if (e.field != null) {
      body.put("field", e.field);
    }
    return body;
  }

  private static HttpServer start() {
    try {
      HttpServer server =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.setExecutor(
          Executors.newCachedThreadPool(
              task -> {
                Thread thread = new Thread(task, "fake-api");
                thread.setDaemon(true);
                return thread;
              }));
      server.start();
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
