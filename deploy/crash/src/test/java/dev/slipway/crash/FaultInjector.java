package dev.slipway.crash;

import static org.awaitility.Awaitility.await;

import dev.slipway.crash.Fault.Kind;
import dev.slipway.local.ServiceProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntSupplier;

/**
 * Injects the variant's faults one after another, in a random order and after random pauses (both
 * from the run's seeded {@link Random}), on a thread of its own, and records each one.
 */
final class FaultInjector {

  private static final Duration RESTART_NOTICED = Duration.ofSeconds(30);
  private static final Duration RECOVERED = Duration.ofMinutes(10);

  private final CrashStack stack;
  private final CrashVariant variant;
  private final Random random;
  private final long startNanos;
  private final IntSupplier inFlight;
  private final List<Fault> injected = new CopyOnWriteArrayList<>();
  private Thread thread;
  private volatile Throwable failure;

  /**
   * @param inFlight how many of the run's builds have not ended yet (read before each fault)
   */
  FaultInjector(
      CrashStack stack,
      CrashVariant variant,
      Random random,
      long startNanos,
      IntSupplier inFlight) {
    this.stack = stack;
    this.variant = variant;
    this.random = random;
    this.startNanos = startNanos;
    this.inFlight = inFlight;
  }

  /** The order the faults come in, drawn now so that it depends on the seed only. */
  private List<Kind> schedule() {
    List<Kind> kinds = new ArrayList<>();
    for (int i = 0; i < variant.faultsPerKind(); i++) {
      kinds.addAll(List.of(Kind.values()));
    }
    Collections.shuffle(kinds, random);
    return kinds;
  }

  void start() {
    List<Kind> kinds = schedule();
    List<Integer> pauses = new ArrayList<>();
    List<Integer> picks = new ArrayList<>();
    for (int i = 0; i < kinds.size(); i++) {
      pauses.add(2_000 + random.nextInt(8_000));
      picks.add(random.nextInt(1_000));
    }
    thread =
        new Thread(
            () -> {
              try {
                for (int i = 0; i < kinds.size(); i++) {
                  Thread.sleep(pauses.get(i)); // a random moment: the fault's timing, not a wait
                  inject(kinds.get(i), picks.get(i));
                  awaitRecovered();
                }
              } catch (Throwable e) {
                failure = e;
              }
            },
            "crash-faults");
    thread.start();
  }

  /** Waits for the last fault to be over; fails if a fault could not be injected. */
  List<Fault> awaitDone() throws InterruptedException {
    thread.join();
    if (failure != null) {
      throw new IllegalStateException("a fault could not be injected", failure);
    }
    return List.copyOf(injected);
  }

  private void inject(Kind kind, int pick) throws Exception {
    int builds = inFlight.getAsInt();
    Duration at = Duration.ofNanos(System.nanoTime() - startNanos);
    switch (kind) {
      case WORKER_KILLED -> {
        int index = pick % stack.workers.size();
        kill(stack.workers.get(index));
        record(
            kind, at, builds, "worker " + (index + 1) + " (SIGKILL, restarted by its supervisor)");
      }
      case COORDINATOR_KILLED -> {
        kill(stack.services.coordinator());
        record(kind, at, builds, "coordinator (SIGKILL, restarted by its supervisor)");
      }
      case BROKER_RESTARTED -> {
        stack.killBroker();
        long down = 1_000 + pick * 4L;
        Thread.sleep(down); // how long the broker stays down: part of the fault
        stack.restartBroker();
        record(
            kind,
            at,
            builds,
            String.format("SIGKILL, down %.1f s, restarted on its port", down / 1e3));
      }
      case DATABASE_OUTAGE -> {
        stack.outage().cut(variant.outage());
        record(
            kind,
            at,
            builds,
            "every session terminated, new ones refused for "
                + variant.outage().toSeconds()
                + " s");
      }
    }
  }

  private void record(Kind kind, Duration at, int builds, String detail) {
    Fault fault = new Fault(kind, at, builds, detail);
    injected.add(fault);
    System.out.println("crash suite: fault " + fault);
  }

  /**
   * Waits until every service answers its readiness check again, so that each fault hits a stack
   * that is up (a JVM killed while it starts proves nothing more, and on a slow machine would keep
   * the service down for good).
   */
  private void awaitRecovered() {
    List<ServiceProcess> services = new ArrayList<>(stack.workers);
    services.add(stack.services.coordinator());
    await()
        .atMost(RECOVERED)
        .pollInterval(Duration.ofMillis(500))
        .until(() -> services.stream().allMatch(ServiceProcess::isReady));
  }

  /** SIGKILL, then waits until the supervisor has noticed (it starts the JVM again right away). */
  private static void kill(ServiceProcess service) {
    int restarts = service.restarts();
    service.process().destroyForcibly();
    await().atMost(RESTART_NOTICED).until(() -> service.restarts() > restarts);
  }
}
