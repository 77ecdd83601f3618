package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An API that answers from a test's function and records every request. */
final class FakeApi extends ApiClient {

  record Request(String method, String path, JsonNode body) {}

  /** Answers one request with a JSON body, or throws the API's error. */
  interface Responder {
    String answer(Request request);
  }

  final List<Request> requests = new CopyOnWriteArrayList<>();
  private final Responder responder;

  FakeApi(Responder responder) {
    super(null);
    this.responder = responder;
  }

  @Override
  protected Reply exchange(String method, String path, Object body) {
    Request request = new Request(method, path, body == null ? null : MAPPER.valueToTree(body));
    requests.add(request);
    String answer = responder.answer(request);
    return new Reply(answer, read(answer));
  }

  Request only(String method) {
    List<Request> matching = requests.stream().filter(r -> r.method().equals(method)).toList();
    if (matching.size() != 1) {
      throw new AssertionError("expected one " + method + " but got " + requests);
    }
    return matching.get(0);
  }
}
