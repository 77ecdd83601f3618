package dev.slipway.local;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.stack.OpenSshHost;
import dev.slipway.stack.TestSshHost;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Memory of the services (issue #15: "the coordinator's and worker's heap after 10,000 builds is
 * flat, and a 200 MB log is served with constant memory"), through the whole system: the packaged
 * coordinator and worker, Kafka, PostgreSQL, build hosts (Debian's OpenSSH sshd on loopback if
 * installed, else Apache SSHD in this JVM). The services' heaps are read over JMX ({@link
 * JvmMemory}: the benchmark attaches to their processes).
 *
 * <ul>
 *   <li>{@link #heapAgainstHistory}: {@code N} trivial builds ({@code lease-host} + {@code run
 *       true}) by several closed-loop submitters, in batches; after each batch, once nothing runs,
 *       a full collection in each service and its heap in use after it, with the rows the database
 *       then holds. The baseline is the first checkpoint after the warm-up; the slope (least
 *       squares) is in MiB per 1,000 builds. Then the classes whose live instances grew most and
 *       the metrics whose series grew, baseline against the end.
 *   <li>{@link #a200MegabyteLog}: a build whose run step writes 2,000,000 numbered lines of 100
 *       bytes (200,000,000 bytes), its log followed ({@code ?follow=true}) while it runs and read
 *       again once it has ended, by a client that counts and discards the bytes and checks that
 *       every numbered line came once, in order; the heap of the coordinator and the worker sampled
 *       meanwhile. Baseline: the same for a log of 1,000 lines. The stack runs with the log cap
 *       raised to 256 MiB for it (the default, 64 MiB, would truncate it).
 * </ul>
 *
 * Prints figures only (asserts that the builds pass). Run it with
 *
 * <pre>
 * ./mvnw -B -o verify -pl deploy/local -Dit.test=MemoryBenchmark -Dtest=none \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false
 *     # one part: -Dit.test='MemoryBenchmark#heapAgainstHistory' (or #a200MegabyteLog)
 *     # -Dbench.builds=N (10,000), -Dbench.checkpoint=N (500), -Dbench.warmup=N (500),
 *     # -Dbench.max-minutes=N (20: stops at the first checkpoint after N minutes; 0: never),
 *     # -Dbench.submitters=N (8), -Dbench.hosts=N (2), -Dbench.slots=N (8),
 *     # -Dbench.log-lines=N (2,000,000 lines of 100 bytes)
 * </pre>
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MemoryBenchmark {

  private static final int BUILDS = Integer.getInteger("bench.builds", 10_000);
  private static final int CHECKPOINT = Integer.getInteger("bench.checkpoint", 500);
  private static final int WARM_UP = Integer.getInteger("bench.warmup", 500);
  private static final int SUBMITTERS = Integer.getInteger("bench.submitters", 8);

  /**
   * Stop at the first checkpoint after this many minutes (0: run every build): 10,000 builds take
   * ~6 minutes on the 2-core machine when it is otherwise idle, far longer when it is busy.
   */
  private static final int MAX_MINUTES = Integer.getInteger("bench.max-minutes", 20);

  private static final int HOSTS = Integer.getInteger("bench.hosts", 2);
  private static final int SLOTS = Integer.getInteger("bench.slots", 8);
  private static final int LOG_LINES = Integer.getInteger("bench.log-lines", 2_000_000);
  private static final int SMALL_LOG_LINES = 1_000;

  /** How often the samplers force a full collection in the second pair of log runs. */
  private static final long FORCED_GC_MILLIS = 2_000;

  /** Bytes of a numbered line: 99 digits and a newline. */
  private static final int LINE = 100;

  /** The log cap the stack runs with here: room for the 200 MB log. */
  private static final Map<String, String> ENVIRONMENT =
      Map.of("SLIPWAY_BUILDS_MAX_LOG_BYTES_PER_STEP", "256M");

  /** How long a submitter waits for its build's {@code build.finished}. */
  private static final long WAIT_SECONDS = 120;

  /** The tables the history leaves rows in, counted at each checkpoint. */
  private static final List<String> TABLES =
      List.of(
          "builds",
          "steps",
          "commands",
          "log_chunks",
          "leases",
          "lease_history",
          "processed_events",
          "audit_log",
          "outbox");

  private static final List<TestSshHost> hosts = new ArrayList<>();

  @AfterAll
  static void stopHosts() throws Exception {
    for (TestSshHost host : hosts) {
      host.close();
    }
  }

  /**
   * Registers {@code count} hosts of a new pool with {@code slots} slots each; returns the pool.
   */
  private static String hosts(E2eStack stack, int count, int slots) throws Exception {
    String pool = E2eStack.newPool();
    for (int i = 0; i < count; i++) {
      TestSshHost host =
          OpenSshHost.available()
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
              slots);
      body.put("hostKey", host.hostPublicKey());
      stack.api.registerHost(body);
    }
    return pool;
  }

  /** The coordinator and each worker, attached, by name. */
  private static Map<String, JvmMemory> services(E2eStack stack) throws Exception {
    Map<String, JvmMemory> jvms = new LinkedHashMap<>();
    jvms.put(
        "coordinator", JvmMemory.attach(stack.services.coordinator().process().toHandle().pid()));
    for (int i = 0; i < stack.services.workers().size(); i++) {
      jvms.put(
          i == 0 ? "worker" : "worker-" + (i + 1),
          JvmMemory.attach(stack.services.workers().get(i).process().toHandle().pid()));
    }
    return jvms;
  }

  private static void printSetup(E2eStack stack, Map<String, JvmMemory> jvms, String what) {
    System.out.printf(
        "%n=== Slipway memory: %s ===%n"
            + "services' JVM options: %s; collectors: %s%n"
            + "build hosts: %s; CPU: %d cores; log cap: %s%n",
        what,
        String.join(" ", ServiceProcess.jvmOptions()),
        jvms.values().iterator().next().collectorNames(),
        OpenSshHost.available()
            ? "Debian OpenSSH sshd on loopback (login shell bash)"
            : "Apache SSHD in the benchmark's JVM (OpenSSH not installed)",
        Runtime.getRuntime().availableProcessors(),
        ENVIRONMENT);
    jvms.forEach((name, jvm) -> System.out.printf("  %-12s pid %d%n", name, jvm.pid()));
  }

  // --- heap against history

  /** One checkpoint: builds done so far, each service's heap, and the rows of each table. */
  record Checkpoint(
      int builds,
      int batch,
      double seconds,
      int failed,
      Map<String, long[]> services, // used after GC, committed, metaspace, threads
      Map<String, Long> rows) {}

  @Test
  @Order(2)
  void heapAgainstHistory() throws Exception {
    E2eStack stack = E2eStack.get(ENVIRONMENT);
    String pool = hosts(stack, HOSTS, SLOTS);
    String plan = stack.runPlan(pool, "command: 'true'\n");
    Map<String, JvmMemory> jvms = services(stack);
    printSetup(
        stack,
        jvms,
        String.format(
            "heap against history: %d builds (lease-host + run true) after %d warm-up,"
                + " %d submitters, %d hosts × %d slots, a checkpoint every %d builds",
            BUILDS, WARM_UP, SUBMITTERS, HOSTS, SLOTS, CHECKPOINT));
    List<Checkpoint> checkpoints = new ArrayList<>();
    Map<String, Map<String, long[]>> baseHistograms = new LinkedHashMap<>();
    Map<String, Map<String, long[]>> lastHistograms = new LinkedHashMap<>();
    Map<String, Map<String, Integer>> baseSeries = new LinkedHashMap<>();
    Map<String, Map<String, Integer>> lastSeries = new LinkedHashMap<>();
    int failedTotal = 0;
    try (BuildThroughputBenchmark.Completions completions =
        new BuildThroughputBenchmark.Completions(stack)) {
      completions.start();
      checkpoints.add(checkpoint(stack, jvms, 0, 0, 0, 0)); // before any build
      printCheckpointHeader(jvms);
      printCheckpoint(checkpoints.get(0), "fresh");
      int done = 0;
      List<Integer> batches = new ArrayList<>();
      if (WARM_UP > 0) {
        batches.add(WARM_UP);
      }
      for (int left = BUILDS; left > 0; left -= CHECKPOINT) {
        batches.add(Math.min(CHECKPOINT, left));
      }
      long began = System.nanoTime();
      for (int i = 0; i < batches.size(); i++) {
        if (MAX_MINUTES > 0 && System.nanoTime() - began > TimeUnit.MINUTES.toNanos(MAX_MINUTES)) {
          System.out.printf(
              "stopped after %d builds: -Dbench.max-minutes=%d have passed%n", done, MAX_MINUTES);
          break;
        }
        long start = System.nanoTime();
        List<String> failed = batch(stack, plan, completions, batches.get(i));
        double seconds = (System.nanoTime() - start) / 1e9;
        done += batches.get(i);
        failedTotal += failed.size();
        failed.stream().limit(5).forEach(f -> System.out.println("FAILED " + f));
        quiesce(stack);
        Checkpoint c = checkpoint(stack, jvms, done, batches.get(i), seconds, failed.size());
        checkpoints.add(c);
        if (i == 0) {
          for (var e : jvms.entrySet()) {
            baseHistograms.put(e.getKey(), e.getValue().classHistogram());
          }
          baseSeries.putAll(series(stack));
        }
        printCheckpoint(c, i == 0 ? "baseline" : "");
      }
      for (var e : jvms.entrySet()) {
        lastHistograms.put(e.getKey(), e.getValue().classHistogram());
      }
      lastSeries.putAll(series(stack));
    } finally {
      for (JvmMemory jvm : jvms.values()) {
        jvm.close();
      }
    }
    printSlopes(checkpoints, jvms.keySet());
    Checkpoint base = checkpoints.get(1);
    Checkpoint last = checkpoints.get(checkpoints.size() - 1);
    baseHistograms.forEach(
        (name, histogram) ->
            printGrowth(name, histogram, lastHistograms.get(name), last.builds() - base.builds()));
    baseSeries.forEach((name, series) -> printSeriesGrowth(name, series, lastSeries.get(name)));
    assertEquals(0, failedTotal, failedTotal + " builds did not pass");
  }

  /**
   * Each service's {@code /q/metrics}: how many series (samples) each metric has. A metric whose
   * series grow with history has a label per build, lease or host, and its meters stay in memory.
   */
  private static Map<String, Map<String, Integer>> series(E2eStack stack) throws Exception {
    Map<String, ServiceProcess> services = new LinkedHashMap<>();
    services.put("coordinator", stack.services.coordinator());
    for (int i = 0; i < stack.services.workers().size(); i++) {
      services.put(i == 0 ? "worker" : "worker-" + (i + 1), stack.services.workers().get(i));
    }
    Map<String, Map<String, Integer>> all = new LinkedHashMap<>();
    for (var e : services.entrySet()) {
      Map<String, Integer> counts = new java.util.TreeMap<>();
      for (String line : Scrape.metrics(e.getValue().httpRoot(), stack.adminToken).split("\n")) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        int brace = line.indexOf('{');
        int end = brace >= 0 ? brace : line.indexOf(' ');
        counts.merge(end > 0 ? line.substring(0, end) : line, 1, Integer::sum);
      }
      all.put(e.getKey(), counts);
    }
    return all;
  }

  private static void printSeriesGrowth(
      String name, Map<String, Integer> before, Map<String, Integer> after) {
    StringBuilder grew = new StringBuilder();
    after.forEach(
        (metric, n) -> {
          int was = before.getOrDefault(metric, 0);
          if (n > was) {
            grew.append(String.format(" %s +%d (%d → %d);", metric, n - was, was, n));
          }
        });
    System.out.printf(
        "%s: metric series (/q/metrics samples) %d at the baseline, %d at the end; grew:%s%n",
        name,
        before.values().stream().mapToInt(Integer::intValue).sum(),
        after.values().stream().mapToInt(Integer::intValue).sum(),
        grew.length() == 0 ? " none" : grew);
  }

  /** Runs {@code count} builds with the submitters; returns what did not pass. */
  private static List<String> batch(
      E2eStack stack, String plan, BuildThroughputBenchmark.Completions completions, int count)
      throws InterruptedException {
    AtomicInteger tickets = new AtomicInteger(count);
    List<String> failed = Collections.synchronizedList(new ArrayList<>());
    List<Thread> submitters = new ArrayList<>();
    for (int i = 0; i < SUBMITTERS; i++) {
      Thread t =
          new Thread(
              () -> {
                while (tickets.getAndDecrement() > 0) {
                  String id = null;
                  try {
                    id = stack.api.submitBuild(plan);
                    var f = completions.await(id, WAIT_SECONDS);
                    if (!"passed".equals(f.build().status())) {
                      failed.add(id + ": " + f.build().status() + " " + f.build().reason());
                    }
                  } catch (TimeoutException e) {
                    failed.add(id + ": no build.finished within " + WAIT_SECONDS + " s");
                  } catch (Exception e) {
                    failed.add(id + ": " + e);
                  }
                }
              },
              "submitter-" + i);
      t.setDaemon(true);
      t.start();
      submitters.add(t);
    }
    for (Thread t : submitters) {
      t.join();
    }
    return failed;
  }

  /** Waits until nothing runs: every lease released, the outbox empty. */
  private static void quiesce(E2eStack stack) {
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                count(stack, "select count(*) from leases where status <> 'released'") == 0
                    && count(stack, "select count(*) from outbox") == 0);
  }

  private static long count(E2eStack stack, String query) throws Exception {
    try (Connection c = stack.sql();
        ResultSet rs = c.createStatement().executeQuery(query)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static Checkpoint checkpoint(
      E2eStack stack,
      Map<String, JvmMemory> jvms,
      int builds,
      int batch,
      double seconds,
      int failed)
      throws Exception {
    Map<String, long[]> services = new LinkedHashMap<>();
    jvms.forEach(
        (name, jvm) -> {
          long used = jvm.usedAfterFullGc();
          services.put(
              name, new long[] {used, jvm.heap().getCommitted(), jvm.metaspace(), jvm.threads()});
        });
    return new Checkpoint(builds, batch, seconds, failed, services, rows(stack));
  }

  private static Map<String, Long> rows(E2eStack stack) throws Exception {
    Map<String, Long> rows = new LinkedHashMap<>();
    for (String table : TABLES) {
      rows.put(table, count(stack, "select count(*) from " + table));
    }
    return rows;
  }

  private static void printCheckpointHeader(Map<String, JvmMemory> jvms) {
    StringBuilder h = new StringBuilder(String.format("%n%7s %6s %6s", "builds", "b/s", "failed"));
    for (String name : jvms.keySet()) {
      h.append(String.format(" | %-11s %6s %5s %4s", name + " MiB", "commit", "meta", "thr"));
    }
    h.append(" | rows:");
    for (String table : TABLES) {
      h.append(' ').append(table);
    }
    System.out.println(h);
    System.out.println(
        "  (MiB: heap in use after a full GC; commit: heap committed, MiB; meta: metaspace in use,"
            + " MiB; thr: live threads; b/s: builds per second of the batch)");
  }

  private static void printCheckpoint(Checkpoint c, String note) {
    StringBuilder line =
        new StringBuilder(
            String.format("%7d %6.2f %6d", c.builds(), c.seconds() == 0 ? 0 : rate(c), c.failed()));
    c.services()
        .forEach(
            (name, v) ->
                line.append(
                    String.format(
                        " | %11.1f %6.1f %5.1f %4d",
                        JvmMemory.mib(v[0]), JvmMemory.mib(v[1]), JvmMemory.mib(v[2]), v[3])));
    line.append(" |      ");
    c.rows().forEach((table, n) -> line.append(String.format(" %" + table.length() + "d", n)));
    if (!note.isEmpty()) {
      line.append("   ← ").append(note);
    }
    System.out.println(line);
  }

  /** Builds per second of the batch that ended at this checkpoint. */
  private static double rate(Checkpoint c) {
    return c.batch() / c.seconds();
  }

  /**
   * From the baseline (the first checkpoint after the warm-up) on: each service's heap growth, last
   * minus baseline and the least-squares slope, in MiB per 1,000 builds; the rows likewise.
   */
  private static void printSlopes(List<Checkpoint> all, java.util.Set<String> names) {
    // all[0] is the fresh stack; all[1] the baseline: after the warm-up, or after the first batch
    List<Checkpoint> series = all.subList(1, all.size());
    Checkpoint base = series.get(0);
    Checkpoint last = series.get(series.size() - 1);
    int span = last.builds() - base.builds();
    System.out.printf(
        "%nfrom the baseline (%d builds) to the last checkpoint (%d builds), %d builds:%n",
        base.builds(), last.builds(), span);
    double[] x = series.stream().mapToDouble(Checkpoint::builds).toArray();
    for (String name : names) {
      double[] y =
          series.stream().mapToDouble(c -> JvmMemory.mib(c.services().get(name)[0])).toArray();
      double[] meta =
          series.stream().mapToDouble(c -> JvmMemory.mib(c.services().get(name)[2])).toArray();
      System.out.printf(
          "  %-12s heap after GC %.1f → %.1f MiB (%+.1f; min %.1f, max %.1f);"
              + " slope %+.2f MiB per 1,000 builds; metaspace slope %+.2f MiB per 1,000;"
              + " threads %d → %d%n",
          name,
          y[0],
          y[y.length - 1],
          y[y.length - 1] - y[0],
          java.util.Arrays.stream(y).min().orElse(0),
          java.util.Arrays.stream(y).max().orElse(0),
          slope(x, y) * 1000,
          slope(x, meta) * 1000,
          base.services().get(name)[3],
          last.services().get(name)[3]);
    }
    StringBuilder rows = new StringBuilder("  rows per build (last − baseline, / builds):");
    last.rows()
        .forEach(
            (table, n) ->
                rows.append(
                    String.format(
                        " %s %.2f;", table, (n - base.rows().get(table)) / (double) span)));
    System.out.println(rows);
  }

  /**
   * The classes whose live instances grew most (by bytes) between two histograms of one service,
   * {@code builds} builds apart: what a growth of the heap with history is made of.
   */
  private static void printGrowth(
      String name, Map<String, long[]> before, Map<String, long[]> after, int builds) {
    System.out.printf(
        "%n%s: live objects by class, last checkpoint − baseline (GC.class_histogram),"
            + " the 12 that grew most by bytes:%n%12s %12s %14s  %s%n",
        name, "Δ instances", "Δ bytes", "bytes/1000 b.", "class");
    long total = 0;
    List<Map.Entry<String, long[]>> growth = new ArrayList<>();
    for (var e : after.entrySet()) {
      long[] was = before.getOrDefault(e.getKey(), new long[2]);
      long[] delta = {e.getValue()[0] - was[0], e.getValue()[1] - was[1]};
      total += delta[1];
      growth.add(Map.entry(e.getKey(), delta));
    }
    for (var e : before.entrySet()) {
      if (!after.containsKey(e.getKey())) {
        total -= e.getValue()[1];
      }
    }
    growth.sort((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]));
    growth.stream()
        .limit(12)
        .forEach(
            e ->
                System.out.printf(
                    "%12d %12d %14.0f  %s%n",
                    e.getValue()[0],
                    e.getValue()[1],
                    e.getValue()[1] * 1000.0 / Math.max(1, builds),
                    e.getKey()));
    System.out.printf(
        "%12s %12d %14.0f  (all classes)%n", "", total, total * 1000.0 / Math.max(1, builds));
  }

  /** The least-squares slope of {@code y} against {@code x}. */
  static double slope(double[] x, double[] y) {
    int n = x.length;
    if (n < 2) {
      return Double.NaN;
    }
    double mx = java.util.Arrays.stream(x).average().orElse(0);
    double my = java.util.Arrays.stream(y).average().orElse(0);
    double num = 0;
    double den = 0;
    for (int i = 0; i < n; i++) {
      num += (x[i] - mx) * (y[i] - my);
      den += (x[i] - mx) * (x[i] - mx);
    }
    return num / den;
  }

  // --- a 200 MB log

  /** What a reader of a log saw: bytes, lines, numbered lines in order, the time it took. */
  record Read(long bytes, long lines, long numbered, long outOfOrder, long lastNumber, long nanos) {
    double seconds() {
      return nanos / 1e9;
    }

    double mibPerSecond() {
      return JvmMemory.mib(bytes) / seconds();
    }
  }

  /** One log's run: its build, how it was read twice, and the heaps around it. */
  record LogRun(
      int lines,
      long fullGcEveryMillis,
      String build,
      String status,
      double buildSeconds,
      long storedBytes,
      long chunks,
      Read follow,
      Read read,
      Map<String, Heaps> heaps) {}

  /**
   * A service's heap around one log: in use after a full GC before the build, during the build and
   * its follow (sampled), after a full GC then, during the plain read, and after it.
   */
  record Heaps(
      long before, JvmMemory.Peak running, long afterRun, JvmMemory.Peak reading, long after) {}

  @Test
  @Order(1)
  void a200MegabyteLog() throws Exception {
    E2eStack stack = E2eStack.get(ENVIRONMENT);
    String pool = hosts(stack, 1, 2);
    Map<String, JvmMemory> jvms = services(stack);
    printSetup(
        stack,
        jvms,
        String.format(
            "a log of %,d lines (%,d bytes), followed and read; baseline %,d lines",
            LOG_LINES, (long) LOG_LINES * LINE, SMALL_LOG_LINES));
    try {
      LogRun warm = logRun(stack, jvms, pool, SMALL_LOG_LINES, 0); // JIT, connections: unmeasured
      List<LogRun> runs =
          List.of(
              logRun(stack, jvms, pool, SMALL_LOG_LINES, 0),
              logRun(stack, jvms, pool, LOG_LINES, 0),
              logRun(stack, jvms, pool, SMALL_LOG_LINES, FORCED_GC_MILLIS),
              logRun(stack, jvms, pool, LOG_LINES, FORCED_GC_MILLIS));
      printLogRuns(runs, jvms.keySet());
      assertEquals("passed", warm.status());
      for (LogRun run : runs) {
        assertEquals("passed", run.status(), run.build());
      }
    } finally {
      for (JvmMemory jvm : jvms.values()) {
        jvm.close();
      }
    }
  }

  /**
   * Runs a build that writes {@code lines} numbered lines, follows its log and reads it again, the
   * heaps sampled meanwhile; with {@code fullGcEveryMillis} above 0 the samplers also force a full
   * collection that often (the live data at its peak).
   */
  private LogRun logRun(
      E2eStack stack, Map<String, JvmMemory> jvms, String pool, int lines, long fullGcEveryMillis)
      throws Exception {
    String plan = stack.plan(pool, "seq -f '%099.0f' 1 " + lines);
    Map<String, Long> before = new LinkedHashMap<>();
    jvms.forEach((name, jvm) -> before.put(name, jvm.usedAfterFullGc()));
    Map<String, JvmMemory.Sampler> samplers = new LinkedHashMap<>();
    jvms.forEach(
        (name, jvm) -> samplers.put(name, JvmMemory.Sampler.start(jvm, 50, fullGcEveryMillis)));

    long start = System.nanoTime();
    String build = stack.api.submitBuild(plan);
    CompletableFuture<Read> follow =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return read(stack, build, true);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    JsonNode finished = stack.api.awaitFinished(build, Duration.ofMinutes(30));
    double buildSeconds = (System.nanoTime() - start) / 1e9;
    Read followed = follow.get(10, TimeUnit.MINUTES);
    Map<String, JvmMemory.Peak> running = new LinkedHashMap<>();
    for (var e : samplers.entrySet()) {
      running.put(e.getKey(), e.getValue().finish());
    }
    Map<String, Long> afterRun = new LinkedHashMap<>();
    jvms.forEach((name, jvm) -> afterRun.put(name, jvm.usedAfterFullGc()));

    samplers.clear();
    jvms.forEach(
        (name, jvm) -> samplers.put(name, JvmMemory.Sampler.start(jvm, 50, fullGcEveryMillis)));
    Read read = read(stack, build, false);
    Map<String, JvmMemory.Peak> reading = new LinkedHashMap<>();
    for (var e : samplers.entrySet()) {
      reading.put(e.getKey(), e.getValue().finish());
    }
    Map<String, Heaps> heaps = new LinkedHashMap<>();
    jvms.forEach(
        (name, jvm) ->
            heaps.put(
                name,
                new Heaps(
                    before.get(name),
                    running.get(name),
                    afterRun.get(name),
                    reading.get(name),
                    jvm.usedAfterFullGc())));
    long[] stored = stored(stack, build);
    return new LogRun(
        lines,
        fullGcEveryMillis,
        build,
        finished.get("status").asText(),
        buildSeconds,
        stored[0],
        stored[1],
        followed,
        read,
        heaps);
  }

  /** The bytes stored for the build's run step (its log's rows), and how many rows. */
  private static long[] stored(E2eStack stack, String build) throws Exception {
    try (Connection c = stack.sql();
        PreparedStatement q =
            c.prepareStatement(
                "select coalesce(sum(octet_length(text)), 0), count(*) from log_chunks"
                    + " where command_id in (select log_id from steps where build_id = ?)")) {
      q.setString(1, build);
      try (ResultSet rs = q.executeQuery()) {
        rs.next();
        return new long[] {rs.getLong(1), rs.getLong(2)};
      }
    }
  }

  /**
   * Reads the build's log ({@code follow}: as it is written, until the build has ended) and
   * discards it, counting bytes and lines and checking the numbered lines: each the one after the
   * last.
   */
  private static Read read(E2eStack stack, String build, boolean follow) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create(
                    stack.services.apiUrl()
                        + "/api/v1/builds/"
                        + build
                        + "/log"
                        + (follow ? "?follow=true" : "")))
            .header("Authorization", "Bearer " + stack.adminToken)
            .build();
    long start = System.nanoTime();
    HttpResponse<InputStream> response =
        HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, response.statusCode());
    long bytes = 0;
    long lines = 0;
    long numbered = 0;
    long outOfOrder = 0;
    long last = 0;
    int length = 0; // of the line so far
    long number = 0;
    boolean digits = true;
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = response.body()) {
      int n;
      while ((n = in.read(buffer)) > 0) {
        bytes += n;
        for (int i = 0; i < n; i++) {
          byte b = buffer[i];
          if (b == '\n') {
            lines++;
            if (digits && length == LINE - 1) {
              numbered++;
              if (number != last + 1) {
                outOfOrder++;
              }
              last = number;
            }
            length = 0;
            number = 0;
            digits = true;
          } else {
            length++;
            if (digits && b >= '0' && b <= '9') {
              number = number * 10 + (b - '0');
            } else {
              digits = false;
            }
          }
        }
      }
    }
    return new Read(bytes, lines, numbered, outOfOrder, last, System.nanoTime() - start);
  }

  private static void printLogRuns(List<LogRun> runs, java.util.Set<String> names) {
    String format = "%-50s" + " %22s".repeat(runs.size()) + "%n";
    System.out.println();
    runs.forEach(r -> System.out.printf("%,d lines: %s%n", r.lines(), r.build()));
    row(format, runs, "", r -> String.format("%,d lines", r.lines()));
    row(
        format,
        runs,
        "",
        r -> r.fullGcEveryMillis() == 0 ? "" : "full GC every " + r.fullGcEveryMillis() + " ms");
    row(format, runs, "status", r -> r.status());
    row(
        format,
        runs,
        "bytes the command wrote",
        r -> String.format("%,d", (long) r.lines() * LINE));
    row(
        format,
        runs,
        "bytes stored (log_chunks of the run step) / rows",
        r -> String.format("%,d / %d", r.storedBytes(), r.chunks()));
    row(
        format,
        runs,
        "submit → finished (s; the follower ran meanwhile)",
        r -> String.format("%.2f", r.buildSeconds()));
    for (boolean follow : new boolean[] {true, false}) {
      String what = follow ? "follow (?follow=true, from submit)" : "read after the end";
      java.util.function.Function<LogRun, Read> of = r -> follow ? r.follow() : r.read();
      row(format, runs, what + ": bytes served", r -> String.format("%,d", of.apply(r).bytes()));
      row(
          format,
          runs,
          "  lines / numbered lines / out of order",
          r ->
              String.format(
                  "%d / %d / %d",
                  of.apply(r).lines(), of.apply(r).numbered(), of.apply(r).outOfOrder()));
      row(
          format,
          runs,
          "  complete (every numbered line once, in order)",
          r ->
              String.valueOf(
                  of.apply(r).numbered() == r.lines()
                      && of.apply(r).outOfOrder() == 0
                      && of.apply(r).lastNumber() == r.lines()));
      row(
          format,
          runs,
          "  time (s) / MiB/s",
          r -> String.format("%.2f / %.1f", of.apply(r).seconds(), of.apply(r).mibPerSecond()));
    }
    for (String name : names) {
      row(
          format,
          runs,
          name + " heap, MiB: before (after a full GC)",
          r -> mib(r.heaps().get(name).before()));
      row(
          format,
          runs,
          "  build + follow: peak in use / committed",
          r ->
              mib(r.heaps().get(name).running().used())
                  + " / "
                  + mib(r.heaps().get(name).running().committed()));
      row(
          format,
          runs,
          "  build + follow: max after a GC / GCs",
          r ->
              afterGc(r.heaps().get(name).running())
                  + " / "
                  + r.heaps().get(name).running().collections());
      row(
          format,
          runs,
          "  build + follow: live (max after a forced full GC)",
          r -> live(r.heaps().get(name).running()));
      row(
          format,
          runs,
          "  after the build (after a full GC)",
          r -> mib(r.heaps().get(name).afterRun()));
      row(
          format,
          runs,
          "  read: peak in use / max after a GC / GCs",
          r ->
              mib(r.heaps().get(name).reading().used())
                  + " / "
                  + afterGc(r.heaps().get(name).reading())
                  + " / "
                  + r.heaps().get(name).reading().collections());
      row(
          format,
          runs,
          "  read: live (max after a forced full GC)",
          r -> live(r.heaps().get(name).reading()));
      row(
          format,
          runs,
          "  after the read (after a full GC)",
          r -> mib(r.heaps().get(name).after()));
    }
  }

  /** The largest heap in use after a collection while sampling, or "—" if none ran. */
  private static String afterGc(JvmMemory.Peak peak) {
    return peak.collections() == 0 ? "—" : mib(peak.afterGc());
  }

  /** The largest heap in use after a forced full collection, and how many; "—" if none. */
  private static String live(JvmMemory.Peak peak) {
    return peak.fullGcs() == 0 ? "—" : mib(peak.live()) + " / " + peak.fullGcs();
  }

  private static String mib(long bytes) {
    return String.format("%.1f", JvmMemory.mib(bytes));
  }

  private static void row(
      String format,
      List<LogRun> runs,
      String label,
      java.util.function.Function<LogRun, String> cell) {
    Object[] args = new Object[runs.size() + 1];
    args[0] = label;
    for (int i = 0; i < runs.size(); i++) {
      args[i + 1] = cell.apply(runs.get(i));
    }
    System.out.printf(format, args);
  }
}
