package dev.slipway.cli;

import static dev.slipway.cli.ApiClient.path;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.cli.ApiClient.ApiException;
import dev.slipway.cli.ApiClient.Reply;
import dev.slipway.cli.ApiClient.Unreachable;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Waits for a new lease to become active and, with {@code --hold}, keeps it alive with heartbeats
 * until the JVM is asked to stop (Ctrl-C, SIGTERM), then releases it. A lease abandoned while still
 * waiting is released too.
 *
 * <p>Exactly one of two parties settles the outcome: the main thread (the lease became active
 * without --hold, or ended on its own) or the shutdown hook (the user stopped us). Whoever comes
 * second does nothing.
 */
final class LeaseWaiter {

  static final Duration POLL = Duration.ofMillis(100);
  static final Duration HEARTBEAT = Duration.ofSeconds(10);
  static final Duration HEARTBEAT_RETRY = Duration.ofSeconds(1);

  /** Exit code when a plain --wait is stopped: the lease was given up, not obtained. */
  static final int ABANDONED = 130;

  private final ApiClient api;
  private final Printer printer;
  private final Main.Lifecycle lifecycle;
  private final boolean hold;
  private final Duration poll;
  private final Duration heartbeat;
  private final AtomicBoolean settled = new AtomicBoolean();
  private final CountDownLatch stopping = new CountDownLatch(1);

  LeaseWaiter(ApiClient api, Printer printer, Main.Lifecycle lifecycle, boolean hold) {
    this(api, printer, lifecycle, hold, POLL, HEARTBEAT);
  }

  LeaseWaiter(
      ApiClient api,
      Printer printer,
      Main.Lifecycle lifecycle,
      boolean hold,
      Duration poll,
      Duration heartbeat) {
    this.api = api;
    this.printer = printer;
    this.lifecycle = lifecycle;
    this.hold = hold;
    this.poll = poll;
    this.heartbeat = heartbeat;
  }

  /** Runs from the lease just created; returns the exit code. */
  int run(Reply created) throws InterruptedException {
    String id = created.json().path("id").asText();
    lifecycle.onShutdown(() -> releaseOnShutdown(id));
    Reply lease = awaitActive(id, created);
    if (lease == null) {
      return stopping.getCount() == 0 ? stopped() : Main.REFUSED;
    }
    if (!hold) {
      if (!settled.compareAndSet(false, true)) {
        return stopped();
      }
      printer.record(lease);
      return 0;
    }
    printer.record(lease);
    printer.note("holding lease " + id + "; press Ctrl-C to release");
    return holdUntilStopped(id);
  }

  /**
   * Polls until the lease is active (returns it), ends otherwise (reports it, returns null) or the
   * hook starts releasing it (returns null).
   */
  private Reply awaitActive(String id, Reply lease) throws InterruptedException {
    String position = null;
    boolean first = true;
    while (true) {
      JsonNode json = lease.json();
      String status = json.path("status").asText();
      if ("active".equals(status)) {
        return lease;
      }
      if (isFinal(status)) {
        ended(id, json);
        return null;
      }
      JsonNode queue = json.get("queuePosition");
      String now = queue == null || queue.isNull() ? null : queue.asText();
      if (now != null && !now.equals(position)) {
        printer.note("lease " + id + " is waiting: position " + now + " in the queue");
      } else if (first) {
        printer.note("lease " + id + " is " + status + "; waiting until it is active");
      }
      position = now;
      first = false;
      if (stopping.await(poll.toMillis(), TimeUnit.MILLISECONDS)) {
        return null;
      }
      lease = api.get(path(LeaseCommands.LEASES, id));
    }
  }

  /** Heartbeats until the hook starts releasing, or the lease ends on its own. */
  private int holdUntilStopped(String id) throws InterruptedException {
    Duration next = heartbeat;
    while (!stopping.await(next.toMillis(), TimeUnit.MILLISECONDS)) {
      next = heartbeat;
      try {
        JsonNode lease = api.post(path(LeaseCommands.LEASES, id) + "/heartbeat", null).json();
        if (!"active".equals(lease.path("status").asText())) {
          ended(id, lease);
          return Main.REFUSED;
        }
      } catch (ApiException e) {
        if (settled.compareAndSet(false, true)) {
          printer.note("slipway: heartbeat of lease " + id + " refused: " + e.getMessage());
        }
        return Main.REFUSED;
      } catch (Unreachable e) {
        if (stopping.getCount() == 0) {
          break;
        }
        printer.note("slipway: heartbeat failed, retrying: " + e.getMessage());
        next = HEARTBEAT_RETRY;
      }
    }
    return stopped();
  }

  /** The lease ended without us: says why, unless the hook is already releasing it. */
  private void ended(String id, JsonNode lease) {
    if (settled.compareAndSet(false, true)) {
      String reason = lease.path("reason").asText("");
      printer.note(
          "slipway: lease "
              + id
              + " is "
              + lease.path("status").asText()
              + (reason.isEmpty() ? "" : ": " + reason));
    }
  }

  /** The shutdown hook: release the lease unless the main thread already settled, then halt. */
  private void releaseOnShutdown(String id) {
    if (!settled.compareAndSet(false, true)) {
      return;
    }
    stopping.countDown();
    int status = hold ? 0 : ABANDONED;
    try {
      api.post(path(LeaseCommands.LEASES, id) + "/release", null);
      printer.note("released " + id);
    } catch (ApiException e) {
      printer.note("slipway: could not release lease " + id + ": " + e.getMessage());
      status = Main.REFUSED;
    } catch (Unreachable e) {
      printer.note("slipway: could not release lease " + id + ": " + e.getMessage());
      status = Main.UNREACHABLE;
    }
    lifecycle.halt(status);
  }

  /** The hook owns the outcome and halts the JVM with it; this code is never seen there. */
  private int stopped() {
    return ABANDONED;
  }

  private static boolean isFinal(String status) {
    return switch (status) {
      case "released", "failed", "broken" -> true;
      default -> false;
    };
  }
}
