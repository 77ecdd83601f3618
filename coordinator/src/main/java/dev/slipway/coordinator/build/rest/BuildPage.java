package dev.slipway.coordinator.build.rest;

import dev.slipway.coordinator.build.Build;
import java.time.Instant;
import java.util.List;

/**
 * {@code GET /api/v1/builds}: a page of builds, newest first, and the cursor of the next page
 * ({@code null} on the last page).
 */
public record BuildPage(List<Summary> builds, String next) {

  /** A build without its steps. */
  public record Summary(
      String id,
      String plan,
      Integer planVersion,
      String status,
      String reason,
      String repository,
      String commit,
      String branch,
      String requestedBy,
      Instant createdAt,
      Instant startedAt,
      Instant finishedAt) {

    static Summary of(Build b) {
      return new Summary(
          b.id,
          b.planName,
          b.planVersion,
          b.status.wireName(),
          b.reason,
          b.repository,
          b.commit,
          b.branch,
          b.requestedBy,
          b.createdAt,
          b.startedAt,
          b.finishedAt);
    }
  }
}
