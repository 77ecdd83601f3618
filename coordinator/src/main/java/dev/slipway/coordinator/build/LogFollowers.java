package dev.slipway.coordinator.build;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The readers that follow a build's log in this process, woken when output of the build is stored
 * here ({@link LogStore}). Output stored by another replica wakes nobody: followers also look again
 * after a while on their own.
 */
@ApplicationScoped
public class LogFollowers {

  private final Map<String, Set<Follower>> byBuild = new ConcurrentHashMap<>();
  private final java.util.concurrent.Semaphore slots;

  @jakarta.inject.Inject
  LogFollowers(BuildConfig config) {
    slots = new java.util.concurrent.Semaphore(config.maxLogFollowers());
  }

  /**
   * Takes one of the {@code slipway.builds.max-log-followers} places for a follow (each holds a
   * thread while it lasts); give it back with {@link #leave}.
   *
   * @throws dev.slipway.coordinator.api.ApiException 429 when every place is taken
   */
  public void admit() {
    if (!slots.tryAcquire()) {
      throw new dev.slipway.coordinator.api.ApiException(
          429,
          "too-many-followers",
          "too many logs are being followed at once; read the log without follow, or try later",
          "follow");
    }
  }

  /** Gives back a place taken by {@link #admit}. */
  public void leave() {
    slots.release();
  }

  /** A follower of the build's log; close it when done. */
  public Follower follow(String buildId) {
    Follower follower = new Follower(buildId);
    byBuild.compute(
        buildId,
        (id, followers) -> {
          Set<Follower> set = followers == null ? ConcurrentHashMap.newKeySet() : followers;
          set.add(follower);
          return set;
        });
    return follower;
  }

  /** Output of the build was stored (or the build changed): its followers look again. */
  public void wake(String buildId) {
    Set<Follower> followers = byBuild.get(buildId);
    if (followers != null) {
      followers.forEach(Follower::wake);
    }
  }

  /** Whether anyone follows the build's log in this process. */
  boolean followed(String buildId) {
    return byBuild.containsKey(buildId);
  }

  /** One reader of a build's log, woken by new output, or stopped (its client went away). */
  public final class Follower implements AutoCloseable {

    private final String buildId;
    private boolean woken;
    private boolean stopped;

    private Follower(String buildId) {
      this.buildId = buildId;
    }

    synchronized void wake() {
      woken = true;
      notifyAll();
    }

    /** Ends the follow: {@link #await} returns at once, now and from now on. */
    public synchronized void stop() {
      stopped = true;
      notifyAll();
    }

    public synchronized boolean stopped() {
      return stopped;
    }

    /** Waits until new output may have been stored, the follow is stopped, or {@code max}. */
    public synchronized void await(Duration max) throws InterruptedException {
      long deadline = System.nanoTime() + max.toNanos();
      long left = max.toNanos();
      while (!woken && !stopped && left > 0) {
        TimeUnit.NANOSECONDS.timedWait(this, left);
        left = deadline - System.nanoTime();
      }
      woken = false;
    }

    @Override
    public void close() {
      byBuild.computeIfPresent(
          buildId,
          (id, followers) -> {
            followers.remove(this);
            return followers.isEmpty() ? null : followers;
          });
    }
  }
}
