package dev.slipway.worker.provisioning;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Holds back a blueprint whose hosts keep failing to be made (a provider out of quota, a broken
 * script): after each failure in a row, this worker makes no new host of it for 5 s, doubling up to
 * 5 min; a host made successfully ends the pause. Leases keep waiting meanwhile (until their wait
 * timeout); the {@link HostReaper} asks the allocators to serve them again once a pause ends.
 */
@ApplicationScoped
public class ProvisioningBackoff {

  private static final Duration FIRST = Duration.ofSeconds(5);
  private static final Duration MAX = Duration.ofMinutes(5);

  private record Pause(int failures, Instant until, boolean announced) {}

  private final Map<String, Pause> pauses = new ConcurrentHashMap<>();

  /** A host of {@code blueprintId} could not be made. */
  void failed(String blueprintId) {
    pauses.compute(
        blueprintId,
        (id, pause) -> {
          int failures = pause == null ? 1 : pause.failures() + 1;
          Duration wait = FIRST.multipliedBy(1L << Math.min(failures - 1, 6));
          return new Pause(
              failures, Instant.now().plus(wait.compareTo(MAX) > 0 ? MAX : wait), false);
        });
  }

  /** A host of {@code blueprintId} was made. */
  void succeeded(String blueprintId) {
    pauses.remove(blueprintId);
  }

  /** Whether this worker holds back making hosts of {@code blueprintId} now. */
  boolean paused(String blueprintId) {
    Pause pause = pauses.get(blueprintId);
    return pause != null && Instant.now().isBefore(pause.until());
  }

  /** How long {@code blueprintId} is held back for still, for reasons. */
  Duration remaining(String blueprintId) {
    Pause pause = pauses.get(blueprintId);
    return pause == null ? Duration.ZERO : Duration.between(Instant.now(), pause.until());
  }

  /** The blueprints whose pause has ended since this was last asked. */
  Set<String> ended() {
    Set<String> ended = new HashSet<>();
    Instant now = Instant.now();
    for (Map.Entry<String, Pause> e : pauses.entrySet()) {
      Pause pause = e.getValue();
      if (!pause.announced()
          && !now.isBefore(pause.until())
          && pauses.replace(e.getKey(), pause, new Pause(pause.failures(), pause.until(), true))) {
        ended.add(e.getKey());
      }
    }
    return ended;
  }
}
