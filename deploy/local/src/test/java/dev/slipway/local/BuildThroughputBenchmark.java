package dev.slipway.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.slipway.common.events.BuildChanged;
import dev.slipway.common.events.Envelope;
import dev.slipway.common.events.EventCodec;
import dev.slipway.common.events.EventTypes;
import dev.slipway.common.events.Topics;
import dev.slipway.local.StackCpu.Reading;
import dev.slipway.local.StackCpu.Tracked;
import dev.slipway.stack.OpenSshHost;
import dev.slipway.stack.TestSshHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.junit.jupiter.api.Test;

/**
 * Sustained build throughput through the whole system (issue #15, P3): one coordinator and two
 * workers (the stack's own and one more, both allocator and runner), Kafka, PostgreSQL, and several
 * build hosts (Debian's OpenSSH sshd on loopback if installed, else Apache SSHD in this JVM; the
 * output says which) with enough slots that slots are not the bottleneck. {@code N} submitter
 * threads each submit a build of a saved plan ({@code lease-host} + {@code run true}) through the
 * REST API and wait until its {@code build.finished} is seen on {@code slipway.builds} (not by
 * polling the API) before submitting the next: a closed loop, run for a warm-up, then for the
 * measured window. Prints builds per second over the window, created → finished latency (the {@code
 * builds} rows) and submit → seen, and the CPU each process used per build (from {@code /proc}:
 * each service's JVM, by thread pool too, the Kafka broker, PostgreSQL, the hosts' sshd processes,
 * this JVM, the machine), beside an idle window as long and the CPU of a plain exec of {@code true}
 * on a pooled SSH connection, measured in the same run. Asserts only that every build passes. Run
 * it with
 *
 * <pre>
 * ./mvnw -B -o verify -pl deploy/local -Dit.test=BuildThroughputBenchmark -Dtest=none \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false
 *     # -Dbench.submitters=N (16), -Dbench.seconds=N (60), -Dbench.warmup-seconds=N (20),
 *     # -Dbench.hosts=N (4), -Dbench.slots=N (8)
 * </pre>
 */
class BuildThroughputBenchmark {

  private static final int SUBMITTERS = Integer.getInteger("bench.submitters", 16);
  private static final int SECONDS = Integer.getInteger("bench.seconds", 60);
  private static final int WARM_UP_SECONDS = Integer.getInteger("bench.warmup-seconds", 20);
  private static final int HOSTS = Integer.getInteger("bench.hosts", 4);
  private static final int SLOTS = Integer.getInteger("bench.slots", 8);

  /** Plain execs of {@code true} in the baseline, after 50 not measured. */
  private static final int EXECS = 200;

  /** How long a submitter waits for its build's {@code build.finished}. */
  private static final long WAIT_SECONDS = 120;

  private static final int WIDTH = 52;

  private E2eStack stack;
  private final List<TestSshHost> hosts = new ArrayList<>();

  /** One build as a submitter saw it; {@code seen} is 0 if it never finished. */
  record Done(String id, long submitted, long seen, String status, String reason) {}

  @Test
  void sustainedBuilds() throws Exception {
    stack = E2eStack.get();
    if (stack.services.workers().size() < 2) {
      stack.services.addWorker(Map.of());
    }
    String pool = E2eStack.newPool();
    boolean openSsh = OpenSshHost.available();
    for (int i = 0; i < HOSTS; i++) {
      TestSshHost host =
          openSsh
              ? OpenSshHost.start(Files.createTempDirectory(stack.work, "openssh"))
              : stack.sshHost();
      hosts.add(host);
      Map<String, Object> body =
          stack.hostBody(
              host,
              host.clientPrivateKeyPem(),
              pool + "-" + i,
              "linux",
              Map.of("pool", pool),
              SLOTS);
      body.put("hostKey", host.hostPublicKey());
      stack.api.registerHost(body);
    }
    String plan = stack.runPlan(pool, "command: 'true'\n");
    Map<String, Tracked> tracked = tracked();
    printSetup(openSsh, tracked);

    try (Completions completions = new Completions(stack)) {
      completions.start();
      Run run = drive(plan, completions, tracked);
      Reading idleStart = Reading.take(tracked);
      LockSupport.parkNanos(run.nanos()); // an idle window as long: the services' background work
      Reading idle = Reading.take(tracked).minus(idleStart);
      List<Done> counted = run.finishedWithin();
      printThroughput(run, counted);
      printCpu(run, counted.size(), idle, tracked);
      if (openSsh) {
        printExecBaseline(tracked);
      }
      List<Done> failed = run.done.stream().filter(d -> !"passed".equals(d.status())).toList();
      failed.stream()
          .limit(20)
          .forEach(d -> System.out.printf("FAILED %s: %s %s%n", d.id(), d.status(), d.reason()));
      assertEquals(0, failed.size(), failed.size() + " builds did not pass");
    } finally {
      for (TestSshHost host : hosts) {
        host.close();
      }
    }
  }

  // --- the closed loop

  /**
   * Every build the submitters ran, when the measured window began and ended (nanoTime; and its
   * start by the wall clock, to find it in a flight recording), and the CPU used in it.
   */
  record Run(List<Done> done, long from, long to, Instant wallFrom, Reading cpu) {
    long nanos() {
      return to - from;
    }

    /** The builds whose {@code build.finished} was seen within the window. */
    List<Done> finishedWithin() {
      return done.stream().filter(d -> d.seen() >= from && d.seen() <= to).toList();
    }
  }

  /**
   * Runs {@link #SUBMITTERS} closed-loop submitters for the warm-up and then the measured window,
   * reading every tracked process's CPU at the window's two ends; returns once every submitter has
   * seen its last build finish.
   */
  private Run drive(String plan, Completions completions, Map<String, Tracked> tracked)
      throws Exception {
    List<Done> done = Collections.synchronizedList(new ArrayList<>());
    long start = System.nanoTime();
    long stopAt = start + TimeUnit.SECONDS.toNanos(WARM_UP_SECONDS + SECONDS);
    List<Thread> submitters = new ArrayList<>();
    for (int i = 0; i < SUBMITTERS; i++) {
      Thread t = new Thread(() -> submitLoop(plan, completions, stopAt, done), "submitter-" + i);
      t.setDaemon(true);
      t.start();
      submitters.add(t);
    }
    sleepUntil(start + TimeUnit.SECONDS.toNanos(WARM_UP_SECONDS));
    long from = System.nanoTime();
    Instant wallFrom = Instant.now();
    Reading before = Reading.take(tracked);
    sleepUntil(stopAt);
    long to = System.nanoTime();
    Reading during = Reading.take(tracked).minus(before);
    for (Thread t : submitters) {
      t.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS + 30));
    }
    synchronized (done) {
      return new Run(new ArrayList<>(done), from, to, wallFrom, during);
    }
  }

  /** Submits a build, waits for its build.finished on Kafka, and again, until {@code stopAt}. */
  private void submitLoop(String plan, Completions completions, long stopAt, List<Done> done) {
    while (System.nanoTime() < stopAt) {
      long submitted = System.nanoTime();
      String id = null;
      try {
        id = stack.api.submitBuild(plan);
        Completions.Finished f = completions.await(id, WAIT_SECONDS);
        done.add(new Done(id, submitted, f.seen(), f.build().status(), f.build().reason()));
      } catch (TimeoutException e) {
        done.add(new Done(id, submitted, 0, "unfinished", "no build.finished within 120 s"));
      } catch (Exception e) {
        done.add(new Done(id, submitted, 0, "error", e.toString()));
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
      }
    }
  }

  private static void sleepUntil(long nanoTime) {
    long left;
    while ((left = nanoTime - System.nanoTime()) > 0) {
      LockSupport.parkNanos(left);
    }
  }

  /** Reads slipway.builds: hands each build.finished to the submitter waiting for that build. */
  static final class Completions extends TopicWatcher {
    record Finished(BuildChanged build, long seen) {}

    private final Arrivals<Finished> builds = new Arrivals<>();

    Completions(E2eStack stack) {
      super(stack, List.of(Topics.BUILDS));
    }

    @Override
    protected void on(ConsumerRecord<String, String> record, Envelope event) {
      if (EventTypes.BUILD_FINISHED.equals(event.type())) {
        BuildChanged build = EventCodec.data(event, BuildChanged.class);
        builds.arrived(build.buildId(), new Finished(build, System.nanoTime()));
      }
    }

    /** The build's build.finished, once seen (it may have been seen before this call). */
    Finished await(String id, long seconds) throws Exception {
      return builds.await(id, seconds);
    }
  }

  // --- the processes whose CPU is read

  /** Every process the benchmark can name, in the order printed: the stack's, then the hosts'. */
  private Map<String, Tracked> tracked() throws Exception {
    Map<String, Tracked> tracked = StackCpu.services(stack);
    for (int i = 0; i < hosts.size(); i++) {
      final int n = i;
      BuildLatencyBenchmark.HostTrace.listener(hosts.get(i).port())
          .ifPresent(p -> tracked.put("sshd host " + (n + 1), new Tracked(p, true, false)));
    }
    tracked.put("benchmark JVM", StackCpu.self());
    return tracked;
  }

  // --- output

  private void printSetup(boolean openSsh, Map<String, Tracked> tracked) {
    System.out.printf(
        "%n=== Slipway build throughput (P3): closed loop, lease-host + run true ===%n"
            + "services: 1 coordinator, %d workers (allocator and runner each);"
            + " JVM options: %s%n"
            + "build hosts: %d × %s, %d slots each%n"
            + "submitters: %d; warm-up %d s (unmeasured), measured %d s; CPU: %d cores%n",
        stack.services.workers().size(),
        String.join(" ", ServiceProcess.jvmOptions()),
        hosts.size(),
        openSsh
            ? "Debian OpenSSH sshd on loopback (login shell bash)"
            : "Apache SSHD in the benchmark's JVM (OpenSSH not installed)",
        SLOTS,
        SUBMITTERS,
        WARM_UP_SECONDS,
        SECONDS,
        Runtime.getRuntime().availableProcessors());
    tracked.forEach((name, t) -> System.out.printf("  %-20s pid %d%n", name, t.process().pid()));
    System.out.println("  load average before: " + loadAverage());
  }

  private void printThroughput(Run run, List<Done> counted) throws Exception {
    double seconds = run.nanos() / 1e9;
    long failed = run.done().stream().filter(d -> !"passed".equals(d.status())).count();
    System.out.printf(
        "%nmeasured window: %s → %s%n"
            + "builds finished in the measured window: %d in %.1f s = %.1f builds/s"
            + " (%d builds in all, warm-up and tail included; %d did not pass)%n"
            + "load average after: %s%n",
        run.wallFrom(),
        run.wallFrom().plusNanos(run.nanos()),
        counted.size(),
        seconds,
        counted.size() / seconds,
        run.done().size(),
        failed,
        loadAverage());
    System.out.println(BuildLatencyBenchmark.header());
    BuildLatencyBenchmark.print(
        "build created → finished (builds rows)", createdToFinished(counted));
    BuildLatencyBenchmark.print(
        "submit → build.finished seen on Kafka (submitter)",
        counted.stream().mapToLong(d -> d.seen() - d.submitted()).toArray());
  }

  /** Nanoseconds from created_at to finished_at of each build, by the database's clock. */
  private long[] createdToFinished(List<Done> builds) throws Exception {
    try (Connection c = stack.sql();
        PreparedStatement q =
            c.prepareStatement(
                "select extract(epoch from (finished_at - created_at)) * 1e9 from builds"
                    + " where id = any(?)")) {
      Array ids = c.createArrayOf("text", builds.stream().map(Done::id).toArray());
      q.setArray(1, ids);
      List<Long> nanos = new ArrayList<>();
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          nanos.add((long) rs.getDouble(1));
        }
      }
      return nanos.stream().mapToLong(Long::longValue).toArray();
    }
  }

  /**
   * CPU per build of each process over the measured window, its CPU per second of the window and of
   * an idle window as long; then each JVM's busiest thread pools.
   */
  private void printCpu(Run run, int builds, Reading idle, Map<String, Tracked> tracked) {
    Reading busy = run.cpu();
    double seconds = busy.at() / 1e9;
    double idleSeconds = idle.at() / 1e9;
    System.out.printf(
        "%nCPU (ms; /proc utime+stime, process trees with their reaped children), %d builds%n"
            + "%-"
            + WIDTH
            + "s %10s %10s %10s %12s%n",
        builds,
        "",
        "per build",
        "per s",
        "idle per s",
        "net/build");
    busy.ticks()
        .forEach(
            (name, ticks) ->
                cpuRow(
                    name + " (pid " + tracked.get(name).process().pid() + ")",
                    ticks,
                    idle.ticks().get(name),
                    builds,
                    seconds,
                    idleSeconds));
    cpuRow("all of the above", busy.tracked(), idle.tracked(), builds, seconds, idleSeconds);
    cpuRow(
        "anything else on the machine (other jobs)",
        busy.machine() - busy.tracked(),
        idle.machine() - idle.tracked(),
        builds,
        seconds,
        idleSeconds);
    cpuRow(
        "machine total (/proc/stat busy)",
        busy.machine(),
        idle.machine(),
        builds,
        seconds,
        idleSeconds);
    System.out.println("busiest threads by name (digits folded), ms per build:");
    busy.threads()
        .forEach(
            (jvm, byName) -> {
              StringBuilder line = new StringBuilder("  " + jvm + ":");
              byName.entrySet().stream()
                  .filter(e -> e.getValue() > 0)
                  .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                  .limit(8)
                  .forEach(
                      e ->
                          line.append(
                              String.format(
                                  " %s %.2f;",
                                  e.getKey(), CpuTime.millis(e.getValue()) / Math.max(1, builds))));
              System.out.println(line);
            });
  }

  private static void cpuRow(
      String what, long ticks, long idleTicks, int builds, double seconds, double idleSeconds) {
    double perSecond = CpuTime.millis(ticks) / seconds;
    double idlePerSecond = CpuTime.millis(idleTicks) / idleSeconds;
    System.out.printf(
        "%-" + WIDTH + "s %10.2f %10.1f %10.1f %12.2f%n",
        what,
        CpuTime.millis(ticks) / Math.max(1, builds),
        perSecond,
        idlePerSecond,
        (perSecond - idlePerSecond) * seconds / Math.max(1, builds));
  }

  /**
   * The baseline: CPU of a plain exec of {@code true} on one pooled Apache SSHD client connection
   * to the first host, on the host's sshd side and in this JVM (the client).
   */
  private void printExecBaseline(Map<String, Tracked> tracked) throws Exception {
    TestSshHost host = hosts.get(0);
    Tracked sshd = tracked.get("sshd host 1");
    try (SshClient client = SshClient.setUpDefaultClient()) {
      client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
      client.start();
      try (ClientSession session = BuildLatencyBenchmark.connect(client, host)) {
        for (int i = 0; i < 50; i++) {
          BuildLatencyBenchmark.exec(session, "true");
        }
        long sshdBefore = sshd == null ? 0 : sshd.ticks();
        long selfBefore = CpuTime.own(ProcessHandle.current().pid());
        long machineBefore = CpuTime.machineBusy();
        long start = System.nanoTime();
        for (int i = 0; i < EXECS; i++) {
          BuildLatencyBenchmark.exec(session, "true");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(
            "%nbaseline: %d plain execs of `true` on one pooled SSH connection, %.1f s"
                + " (%.1f execs/s, one at a time); CPU ms per exec:%n"
                + "  host sshd tree %.2f, client (benchmark JVM) %.2f, machine total %.2f%n",
            EXECS,
            seconds,
            EXECS / seconds,
            sshd == null ? Double.NaN : CpuTime.millis(sshd.ticks() - sshdBefore) / EXECS,
            CpuTime.millis(CpuTime.own(ProcessHandle.current().pid()) - selfBefore) / EXECS,
            CpuTime.millis(CpuTime.machineBusy() - machineBefore) / EXECS);
      }
    }
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).strip();
    } catch (java.io.IOException e) {
      return "?";
    }
  }
}
