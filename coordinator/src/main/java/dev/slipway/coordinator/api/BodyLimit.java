package dev.slipway.coordinator.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Answers a request whose {@code Content-Length} is over {@code quarkus.http.limits.max-body-size}
 * with a 413 and the API's JSON error, before Quarkus' own check (which answers the same status
 * with an empty body) and without reading the body. A body sent in chunks, without a length, is cut
 * off by Quarkus at the same limit.
 */
@ApplicationScoped
public class BodyLimit {

  /** Before Quarkus' own check of the body's size (route order -2). */
  private static final int ORDER = -3;

  @ConfigProperty(name = "quarkus.http.limits.max-body-size")
  Optional<MemorySize> maxBodySize;

  @Inject ObjectMapper json;

  void install(@Observes Router router) {
    maxBodySize.ifPresent(
        max -> router.route().order(ORDER).handler(ctx -> check(ctx, max.asLongValue())));
  }

  private void check(RoutingContext ctx, long max) {
    String header = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
    long length;
    try {
      length = header == null ? -1 : Long.parseLong(header.trim());
    } catch (NumberFormatException e) {
      length = -1; // Quarkus and Netty refuse a malformed length
    }
    if (length <= max) {
      ctx.next();
      return;
    }
    ApiError error =
        new ApiError(
            "payload-too-large",
            "the request body is "
                + length
                + " bytes; at most "
                + max
                + " bytes are accepted (quarkus.http.limits.max-body-size)",
            null);
    String body;
    try {
      body = json.writeValueAsString(error);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    // the body is not read: close the connection after answering, as Quarkus does
    ctx.response()
        .setStatusCode(413)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CONNECTION, "close")
        .end(body);
  }
}
