package dev.slipway.crash;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.events.EventCodec;
import dev.slipway.local.ServiceProcess;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /q/health/ready} of the coordinator and both workers follows what they depend on: DOWN
 * (503, the failing check named) while the Kafka broker is dead or the database refuses every
 * connection, UP again once it is back (docs/reliability.md). The suite's own broker and database,
 * so that killing them disturbs no other module.
 */
class ReadinessIT {

  private static final Duration NOTICED = Duration.ofSeconds(60);
  private static final Duration RECOVERED = Duration.ofMinutes(2);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  static CrashStack stack;

  @BeforeAll
  static void start() throws Exception {
    stack = CrashStack.get();
  }

  @Test
  void notReadyWhileTheBrokerIsDownAndReadyWhenItIsBack() throws Exception {
    awaitAllReady();
    stack.killBroker();
    try {
      await()
          .atMost(NOTICED)
          .untilAsserted(
              () -> {
                for (ServiceProcess service : services()) {
                  assertDown(service, "Messaging");
                }
              });
    } finally {
      stack.restartBroker();
    }
    awaitAllReady();
  }

  @Test
  void notReadyWhileTheDatabaseIsAwayAndReadyWhenItIsBack() throws Exception {
    awaitAllReady();
    CompletableFuture<Void> outage = stack.outage().cutInBackground(Duration.ofSeconds(40));
    try {
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                for (ServiceProcess service : services()) {
                  assertDown(service, "Database");
                }
              });
    } finally {
      outage.join();
    }
    awaitAllReady();
  }

  private static List<ServiceProcess> services() {
    List<ServiceProcess> all = new ArrayList<>(stack.workers);
    all.add(stack.services.coordinator());
    return all;
  }

  private static void awaitAllReady() {
    await()
        .atMost(RECOVERED)
        .untilAsserted(
            () -> {
              for (ServiceProcess service : services()) {
                HttpResponse<String> ready = ready(service);
                assertEquals(200, ready.statusCode(), service.httpRoot() + ": " + ready.body());
              }
            });
  }

  /** The service answers 503, and a check whose name contains {@code check} is DOWN. */
  private static void assertDown(ServiceProcess service, String check) throws Exception {
    HttpResponse<String> ready = ready(service);
    String what = service.httpRoot() + ": " + ready.body();
    assertEquals(503, ready.statusCode(), what);
    JsonNode body = EventCodec.mapper().readTree(ready.body());
    boolean down = false;
    for (JsonNode each : body.path("checks")) {
      down |=
          each.path("name").asText().contains(check) && "DOWN".equals(each.path("status").asText());
    }
    assertTrue(down, "no DOWN check named *" + check + "*: " + what);
  }

  private static HttpResponse<String> ready(ServiceProcess service) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(service.httpRoot().resolve("q/health/ready"))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
