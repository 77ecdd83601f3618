package dev.slipway.local;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /q/metrics} of the packaged coordinator and worker (docs/metrics.md): builds run through
 * the real stack show up in the named metrics, scraped with a {@code viewer} token as Prometheus
 * would; without a valid token both services refuse (401) while {@code /q/health} stays open.
 */
class MetricsIT {

  private static final Duration WAIT = Duration.ofSeconds(60);

  static E2eStack stack;
  static String pool;
  static String scrapeToken;
  static URI coordinator;
  static URI worker;

  @BeforeAll
  static void start() throws Exception {
    stack = E2eStack.get();
    pool = stack.register(stack.sshHost(), 1);
    scrapeToken =
        stack
            .api
            .post("api/v1/tokens", Map.of("name", "prometheus-" + pool, "role", "viewer"))
            .ok()
            .get("token")
            .asText();
    coordinator = URI.create(stack.services.apiUrl() + "/");
    worker = stack.services.worker().httpRoot();
  }

  @Test
  void buildsShowInTheMetricsOfBothServices() throws Exception {
    String passed = stack.api.submitBuild(stack.plan(pool, "echo metered"));
    assertEquals("passed", stack.api.awaitFinished(passed, WAIT).get("status").asText());
    String failed = stack.api.submitBuild(stack.plan(pool, "exit 3"));
    assertEquals("failed", stack.api.awaitFinished(failed, WAIT).get("status").asText());

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              String text = Scrape.metrics(coordinator, scrapeToken);
              atLeast(1, text, "slipway_build_duration_seconds_count", Map.of("status", "passed"));
              atLeast(1, text, "slipway_build_duration_seconds_count", Map.of("status", "failed"));
              atLeast(
                  1,
                  text,
                  "slipway_build_duration_seconds_bucket",
                  Map.of("status", "passed", "le", "+Inf"));
              atLeast(1, text, "slipway_builds", Map.of("status", "passed"));
              atLeast(1, text, "slipway_builds", Map.of("status", "failed"));
              atLeast(0, text, "slipway_leases", Map.of("type", "host", "status", "active"));
              assertEquals(0.0, Scrape.value(text, "slipway_outbox_backlog"), text);
              assertEquals(0.0, Scrape.value(text, "slipway_outbox_parked"), text);
              kafkaLag(text);
            });
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              // summed over the stack's workers: other tests add allocator workers to it, and any
              // of them may grant a lease
              atLeastOnWorkers(
                  1, "slipway_command_duration_seconds_count", Map.of("outcome", "succeeded"));
              atLeastOnWorkers(
                  1, "slipway_command_duration_seconds_count", Map.of("outcome", "failed"));
              atLeastOnWorkers(2, "slipway_lease_wait_seconds_count", Map.of("type", "host"));
              atLeastOnWorkers(
                  2, "slipway_lease_wait_seconds_bucket", Map.of("type", "host", "le", "+Inf"));
              String text = Scrape.metrics(worker, scrapeToken);
              kafkaLag(text);
            });
  }

  @Test
  void pendingLeasesAreCountedByAttributeSetAndTheReapersActionsCounted() throws Exception {
    // the pool's one slot held, so that the next leases wait for it
    String held = lease(Map.of("pool", pool), "10m");
    await().atMost(WAIT).until(() -> stack.api.lease(held).get("status").asText().equals("active"));
    try {
      String waiting = lease(Map.of("pool", pool), "10m");
      Map<String, String> set = Map.of("type", "host", "attributes", "pool=" + pool);
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                String text = Scrape.metrics(coordinator, scrapeToken);
                assertEquals(
                    1.0,
                    Scrape.value(text, "slipway_leases_pending_by_attributes", set),
                    Scrape.lines(text, "slipway_leases"));
                atLeast(1, text, "slipway_leases", Map.of("type", "host", "status", "pending"));
              });
      stack.api.post("api/v1/leases/" + waiting + "/release", Map.of()).ok();
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertTrue(
                      Double.isNaN(
                          Scrape.value(
                              Scrape.metrics(coordinator, scrapeToken),
                              "slipway_leases_pending_by_attributes",
                              set)),
                      "a set with no pending lease left is dropped"));

      Map<String, String> timedOut = Map.of("action", "lease-wait-timed-out");
      // Any allocator worker of the shared stack may reap it (tests add workers to it), so the
      // counter is summed over all of them.
      double before = workersTotal("slipway_reaper_actions_total", timedOut);
      String doomed = lease(Map.of("pool", pool), "1s");
      await()
          .atMost(WAIT)
          .until(() -> stack.api.lease(doomed).get("status").asText().equals("failed"));
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertTrue(
                      workersTotal("slipway_reaper_actions_total", timedOut) >= before + 1,
                      "slipway_reaper_actions_total{action=lease-wait-timed-out} summed over the"
                          + " workers grew from "
                          + before));
    } finally {
      stack.api.post("api/v1/leases/" + held + "/release", Map.of()).ok();
    }
  }

  private static void atLeastOnWorkers(double least, String name, Map<String, String> labels)
      throws Exception {
    double total = workersTotal(name, labels);
    assertTrue(total >= least, name + labels + " summed over the workers is " + total);
  }

  /** {@code name{labels}} summed over every worker of the stack (absent counts as 0). */
  private static double workersTotal(String name, Map<String, String> labels) throws Exception {
    double total = 0;
    for (ServiceProcess each : stack.services.workers()) {
      total += orZero(Scrape.value(Scrape.metrics(each.httpRoot(), scrapeToken), name, labels));
    }
    return total;
  }

  /** Asks for a host lease; returns its id. */
  private static String lease(Map<String, String> attributes, String waitTimeout) throws Exception {
    return stack
        .api
        .post(
            "api/v1/leases",
            Map.of("type", "host", "attributes", attributes, "waitTimeout", waitTimeout))
        .ok()
        .get("id")
        .asText();
  }

  @Test
  void metricsNeedAValidTokenAndHealthStaysOpen() throws Exception {
    JsonNode revoked =
        stack.api.post("api/v1/tokens", Map.of("name", "revoked-" + pool, "role", "viewer")).ok();
    assertEquals(204, stack.api.delete("api/v1/tokens/" + revoked.get("id").asText()).status());
    for (URI service : List.of(coordinator, worker)) {
      for (String token :
          new String[] {
            null, dev.slipway.common.auth.TokenSecrets.newSecret(), revoked.get("token").asText()
          }) {
        HttpResponse<String> refused = Scrape.get(service, "q/metrics", token);
        String what = service + " with " + (token == null ? "no token" : "a bad token");
        assertEquals(401, refused.statusCode(), what);
        assertEquals("Bearer", refused.headers().firstValue("WWW-Authenticate").orElse(""), what);
        assertFalse(refused.body().contains("slipway_"), what);
      }
      assertEquals(
          200, Scrape.get(service, "q/health/ready", null).statusCode(), service.toString());
      // any role may scrape
      assertTrue(
          Scrape.metrics(service, stack.adminToken).contains("slipway_"), service.toString());
    }
  }

  /** The Kafka consumers' own metrics reach /q/metrics (Micrometer's Kafka binder). */
  /**
   * The Kafka clients' lag is exported. Present is what is asserted, not a number: a consumer that
   * fetched nothing in the client's sample window reports NaN (the full run saw an idle consumer's
   * NaN turn the sum over all of them into NaN).
   */
  private static void kafkaLag(String text) {
    assertFalse(
        Scrape.lines(text, "kafka_consumer_fetch_manager_records_lag_max{").isEmpty(),
        "kafka_consumer_fetch_manager_records_lag_max missing");
  }

  private static void atLeast(double least, String text, String name, Map<String, String> labels) {
    double value = Scrape.value(text, name, labels);
    assertTrue(value >= least, name + labels + " = " + value + ", expected at least " + least);
  }

  private static double orZero(double value) {
    return Double.isNaN(value) ? 0 : value;
  }
}
