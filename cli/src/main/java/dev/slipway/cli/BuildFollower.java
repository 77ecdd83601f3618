package dev.slipway.cli;

import static dev.slipway.cli.ApiClient.path;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code slipway build start --follow}: polls a build until it ends, saying on stderr when its
 * status or running step changes, then prints its log. A live log stream comes later.
 */
final class BuildFollower {

  static final Duration POLL = Duration.ofMillis(500);

  /** The exit code of a build that ended other than passed. */
  static final int NOT_PASSED = 1;

  private static final Set<String> FINAL = Set.of("passed", "failed", "aborted", "error");

  private final ApiClient api;
  private final Printer printer;

  BuildFollower(ApiClient api, Printer printer) {
    this.api = api;
    this.printer = printer;
  }

  /** Follows build {@code id} to its end; returns 0 if it passed, else {@link #NOT_PASSED}. */
  int follow(String id) throws InterruptedException {
    String said = null;
    while (true) {
      JsonNode build = api.get(path(BuildCommands.BUILDS, id)).json();
      String status = build.path("status").asText();
      String now = status + runningStep(build);
      if (!now.equals(said) && !FINAL.contains(status)) {
        printer.note("build " + id + " is " + now);
      }
      said = now;
      if (FINAL.contains(status)) {
        printer.text(BuildCommands.log(api, id));
        if ("passed".equals(status)) {
          printer.note("build " + id + " passed");
          return 0;
        }
        String reason = build.path("reason").asText("");
        printer.note(
            "slipway: build " + id + " " + status + (reason.isEmpty() ? "" : ": " + reason));
        return NOT_PASSED;
      }
      TimeUnit.MILLISECONDS.sleep(POLL.toMillis());
    }
  }

  /** {@code : step NAME} for the step running now, or nothing. */
  private static String runningStep(JsonNode build) {
    for (JsonNode step : build.path("steps")) {
      if ("running".equals(step.path("status").asText())) {
        return ": step " + step.path("name").asText();
      }
    }
    return "";
  }
}
