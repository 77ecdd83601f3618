package dev.slipway.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.slipway.common.events.BuildChanged;
import dev.slipway.common.events.Envelope;
import dev.slipway.common.events.EventCodec;
import dev.slipway.common.events.EventTypes;
import dev.slipway.common.events.LeaseChanged;
import dev.slipway.common.events.Topics;
import dev.slipway.local.WorkingCopyFixture.Repository;
import dev.slipway.stack.Git;
import dev.slipway.stack.OpenSshHost;
import dev.slipway.stack.TestSshHost;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.junit.jupiter.api.Test;

/**
 * Where a build's time goes (issue #15, "fast path"), through the whole system: the packaged
 * coordinator and worker, Kafka, PostgreSQL and one SSH host (Debian's OpenSSH sshd if installed,
 * else Apache SSHD in this JVM; the output says which). (1) Builds of {@code lease-host} + {@code
 * lease-working-copy} (recycled after the first) + {@code run true}, one at a time: created →
 * finished by the database's own timestamps, and as the client sees it (submit → {@code
 * build.finished} on {@code slipway.builds}), beside a raw exec of {@code true} on a pooled SSH
 * connection to the same host and a plain {@code git checkout} of the next commit in a clone on
 * that host; (2) builds of {@code lease-host} + {@code run true}: the run step's duration beside
 * the pooled exec; (3) the median of each stage of (1) from the history rows, and one build's whole
 * timeline (database rows and Kafka record timestamps); (4) the budget per build: SQL statements
 * and transactions by service (from PostgreSQL's statement log), events by topic, SSH channels and
 * processes on the host (strace on the OpenSSH host's sshd processes), each less what an idle
 * window of the same length shows. Prints figures; asserts only that every build passes. Run it
 * with
 *
 * <pre>
 * ./mvnw -B -o verify -pl deploy/local -am -Dit.test=BuildLatencyBenchmark -Dtest=none \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false
 *     # -Dbench.builds=N (100), -Dbench.warmup=N (300), -Dbench.counted=N (10)
 * </pre>
 */
class BuildLatencyBenchmark {

  /** Builds measured in (1) and (2) each. */
  private static final int BUILDS = Integer.getInteger("bench.builds", 100);

  /**
   * Builds of each plan run before those measured: the JVMs' JIT warm-up (with 20, the services
   * were still compiling and the P6 median was ~1.6 times that after 300).
   */
  private static final int WARM_UP = Integer.getInteger("bench.warmup", 300);

  /** Builds of each plan run while statements, events, channels and processes are counted. */
  private static final int COUNTED = Integer.getInteger("bench.counted", 10);

  /** Raw execs and checkouts in the baselines. */
  private static final int BASELINE = 200;

  private static final long WAIT = TimeUnit.SECONDS.toNanos(120);
  private static final int WIDTH = 60;

  private E2eStack stack;
  private TestSshHost host;
  private String hostKind;
  private Repository repo;
  private BuildWatcher watcher;

  @Test
  void buildsCreatedToFinished() throws Exception {
    stack = E2eStack.get();
    String pool = E2eStack.newPool();
    if (OpenSshHost.available()) {
      host = OpenSshHost.start(Files.createTempDirectory(stack.work, "openssh"));
      hostKind = "Debian OpenSSH sshd on loopback (login shell bash)";
    } else {
      host = stack.sshHost();
      hostKind = "Apache SSHD in the benchmark's JVM (OpenSSH not installed)";
    }
    Map<String, Object> body =
        stack.hostBody(
            host, host.clientPrivateKeyPem(), "host-" + pool, "linux", Map.of("pool", pool), 2);
    body.put("hostKey", host.hostPublicKey());
    stack.api.registerHost(body);
    repo = WorkingCopyFixture.repository();
    String p6 =
        stack.savePlan(
            """
            steps:
              - name: buildhost
                kind: lease-host
                attributes: {pool: %s}
              - name: src
                kind: lease-working-copy
                host: buildhost
              - name: main
                kind: run
                on: src
                command: 'true'
            """
                .formatted(pool));
    String p2 = stack.runPlan(pool, "command: 'true'\n");

    try (BuildWatcher w = new BuildWatcher(stack);
        SshClient client = SshClient.setUpDefaultClient()) {
      watcher = w;
      watcher.start();
      client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
      client.start();
      try (ClientSession session = connect(client, host)) {
        System.out.printf(
            "%n=== Slipway builds: created → finished (ms) ===%nhost: %s%nservices' JVM options:"
                + " %s%n",
            hostKind, String.join(" ", ServiceProcess.jvmOptions()));
        run(p6, WARM_UP, 2);
        List<String> full = run(p6, BUILDS, 2);
        run(p2, WARM_UP, 1);
        List<String> bare = run(p2, BUILDS, 1);
        long[] exec = execs(session, "true");
        long[] checkout = checkouts(session);

        System.out.println(header());
        System.out.println(
            "P6: lease-host + lease-working-copy (recycled) + run true, one at a time");
        print("  build created → finished (builds table)", between(full, BUILD_SPAN));
        print("  submit → build.finished seen on Kafka (client)", watcher.seen(full));
        print("  baseline: raw exec `true`, pooled SSH connection", exec);
        print("  baseline: plain `git checkout` next commit, over SSH", checkout);
        System.out.println("P2: lease-host + run true");
        print("  build created → finished (builds table)", between(bare, BUILD_SPAN));
        print("  run step started → finished (steps table)", between(bare, RUN_STEP));
        print("  command claimed → finished by runner (commands)", between(bare, COMMAND_RUN));
        print("  baseline: raw exec `true`, pooled SSH connection", exec);
        printStages(full);
        timeline(p6);
        budget(p6, 2, "P6 (lease-host + lease-working-copy + run true)");
        budget(p2, 1, "P2 (lease-host + run true)");
      }
    } finally {
      host.close();
    }
  }

  // --- builds

  /** {@code count} builds of {@code plan}, one at a time; returns their ids. */
  private List<String> run(String plan, int count, int leases) throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ids.add(build(plan, leases, i));
    }
    return ids;
  }

  /**
   * Submits a build of {@code plan} (commit A or B of {@link #repo} by {@code index}), waits until
   * {@code build.finished} and its {@code leases} {@code lease.released} events are seen and the
   * working copy is idle again; returns its id.
   */
  private String build(String plan, int leases, int index) throws Exception {
    String commit = index % 2 == 0 ? repo.a() : repo.b();
    long start = System.nanoTime();
    String id = stack.api.submitBuild(plan, repo.uri(), commit, "main");
    watcher.submitted.put(id, start);
    String status = waitFor(() -> watcher.finished.get(id), id);
    assertEquals("passed", status, () -> "build " + id + ": " + logOf(id));
    waitFor(() -> watcher.released.getOrDefault(id, 0) >= leases ? "" : null, id);
    waitFor(() -> idleCopies() ? "" : null, id);
    return id;
  }

  private String logOf(String id) {
    try {
      return stack.api.log(id);
    } catch (Exception e) {
      return e.toString();
    }
  }

  private interface Probe {
    String get() throws Exception;
  }

  private static String waitFor(Probe probe, String build) throws Exception {
    long deadline = System.nanoTime() + WAIT;
    String value;
    while ((value = probe.get()) == null) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("build " + build + " not done within 120 s");
      }
      LockSupport.parkNanos(200_000);
    }
    return value;
  }

  /** No working copy of {@link #repo} is held or being cleaned. */
  private boolean idleCopies() throws Exception {
    try (Connection c = stack.sql();
        PreparedStatement q =
            c.prepareStatement(
                "select count(*) from resources where type = 'working-copy'"
                    + " and attributes ->> 'repository' = ? and status = 'active'"
                    + " and (leases_held > 0 or busy_by is not null)")) {
      q.setString(1, repo.uri());
      try (ResultSet rs = q.executeQuery()) {
        rs.next();
        return rs.getInt(1) == 0;
      }
    }
  }

  /** Reads slipway.builds and slipway.leases: when each build finished, its released leases. */
  static final class BuildWatcher extends TopicWatcher {
    final Map<String, Long> submitted = new ConcurrentHashMap<>();
    final Map<String, Long> finishedAt = new ConcurrentHashMap<>();
    final Map<String, String> finished = new ConcurrentHashMap<>();
    final Map<String, Integer> released = new ConcurrentHashMap<>();

    BuildWatcher(E2eStack stack) {
      super(stack, List.of(Topics.BUILDS, Topics.LEASES));
    }

    @Override
    protected void on(ConsumerRecord<String, String> record, Envelope event) {
      if (EventTypes.BUILD_FINISHED.equals(event.type())) {
        BuildChanged build = EventCodec.data(event, BuildChanged.class);
        finishedAt.put(build.buildId(), System.nanoTime());
        finished.put(build.buildId(), build.status());
      } else if (EventTypes.LEASE_RELEASED.equals(event.type())) {
        LeaseChanged lease = EventCodec.data(event, LeaseChanged.class);
        if (lease.owner() != null) {
          released.merge(lease.owner(), 1, Integer::sum);
        }
      }
    }

    /** Nanoseconds from each build's submission to its build.finished reaching this consumer. */
    long[] seen(List<String> ids) {
      return ids.stream().mapToLong(id -> finishedAt.get(id) - submitted.get(id)).toArray();
    }
  }

  // --- durations from the database

  private static final String BUILD_SPAN =
      "select extract(epoch from (finished_at - created_at)) * 1e9 from builds where id = ?";
  private static final String RUN_STEP =
      "select extract(epoch from (finished_at - started_at)) * 1e9 from steps"
          + " where build_id = ? and name = 'main'";
  private static final String COMMAND_RUN =
      "select extract(epoch from (finished_at - started_at)) * 1e9 from commands"
          + " where build_id = ? and step_name = 'main'";

  /** Nanoseconds that {@code query} (one build id parameter) gives for each build. */
  private long[] between(List<String> ids, String query) throws Exception {
    long[] nanos = new long[ids.size()];
    try (Connection c = stack.sql();
        PreparedStatement q = c.prepareStatement(query)) {
      for (int i = 0; i < ids.size(); i++) {
        q.setString(1, ids.get(i));
        try (ResultSet rs = q.executeQuery()) {
          rs.next();
          nanos[i] = (long) rs.getDouble(1);
        }
      }
    }
    return nanos;
  }

  /** The stages of a P6 build, from its rows, in epoch µs (database clock). */
  private static final String STAGES =
      """
      select (extract(epoch from b.created_at) * 1e6)::bigint,
        (select (extract(epoch from min(h.at)) * 1e6)::bigint from lease_history h
          join leases l on l.id = h.lease_id where l.owner = b.id and l.type = 'host'
          and h.status = 'pending'),
        (select (extract(epoch from min(h.at)) * 1e6)::bigint from lease_history h
          join leases l on l.id = h.lease_id where l.owner = b.id and l.type = 'host'
          and h.status = 'active'),
        (select (extract(epoch from min(h.at)) * 1e6)::bigint from lease_history h
          join leases l on l.id = h.lease_id where l.owner = b.id and l.type = 'working-copy'
          and h.status = 'pending'),
        (select (extract(epoch from min(h.at)) * 1e6)::bigint from lease_history h
          join leases l on l.id = h.lease_id where l.owner = b.id and l.type = 'working-copy'
          and h.status = 'acquired'),
        (select (extract(epoch from min(h.at)) * 1e6)::bigint from lease_history h
          join leases l on l.id = h.lease_id where l.owner = b.id and l.type = 'working-copy'
          and h.status = 'active'),
        (extract(epoch from c.created_at) * 1e6)::bigint,
        (extract(epoch from c.started_at) * 1e6)::bigint,
        (extract(epoch from c.finished_at) * 1e6)::bigint,
        (extract(epoch from c.result_at) * 1e6)::bigint,
        (extract(epoch from b.finished_at) * 1e6)::bigint
      from builds b join commands c on c.build_id = b.id and c.step_name = 'main'
      where b.id = ?""";

  private static final String[] STAGE_NAMES = {
    "build created → host lease requested (coordinator)",
    "host lease requested → active (relay, Kafka, allocator)",
    "host lease active → copy lease requested (Kafka, engine)",
    "copy lease requested → acquired (relay, Kafka, allocator)",
    "copy lease acquired → active (checkout over SSH)",
    "copy lease active → command requested (Kafka, engine)",
    "command requested → claimed by a runner (relay, Kafka)",
    "command claimed → finished (runner: run on host, follow)",
    "command finished → result stored (relay, Kafka, coord.)",
    "result stored → build finished (same transaction)"
  };

  private void printStages(List<String> ids) throws Exception {
    long[][] stages = new long[STAGE_NAMES.length][ids.size()];
    try (Connection c = stack.sql();
        PreparedStatement q = c.prepareStatement(STAGES)) {
      for (int i = 0; i < ids.size(); i++) {
        q.setString(1, ids.get(i));
        try (ResultSet rs = q.executeQuery()) {
          rs.next();
          for (int s = 0; s < STAGE_NAMES.length; s++) {
            stages[s][i] = (rs.getLong(s + 2) - rs.getLong(s + 1)) * 1000;
          }
        }
      }
    }
    System.out.println("P6 stages (database timestamps; now() is a transaction's start):");
    for (int s = 0; s < STAGE_NAMES.length; s++) {
      print("  " + STAGE_NAMES[s], stages[s]);
    }
  }

  // --- one build's timeline

  /** One more P6 build, and everything its rows and its Kafka records say, in order. */
  private void timeline(String plan) throws Exception {
    Map<TopicPartition, Long> before = Events.offsets(stack);
    String id = build(plan, 2, 0);
    Map<TopicPartition, Long> after = Events.offsets(stack);
    TreeMap<Long, List<String>> events = new TreeMap<>();
    try (Connection c = stack.sql()) {
      rows(
          c,
          "select 'build ' || status || ' created', created_at from builds where id = ?"
              + " union all select 'build started', started_at from builds where id = ?"
              + " union all select 'build finished', finished_at from builds where id = ?",
          id,
          3,
          events);
      rows(
          c,
          "select 'step ' || name || ' started', started_at from steps where build_id = ?"
              + " union all select 'step ' || name || ' finished', finished_at from steps"
              + " where build_id = ?"
              + " union all select 'step ' || name || ' lease released', lease_released_at"
              + " from steps where build_id = ?",
          id,
          3,
          events);
      rows(
          c,
          "select 'lease ' || l.type || ' → ' || h.status, h.at from lease_history h"
              + " join leases l on l.id = h.lease_id where l.owner = ?",
          id,
          1,
          events);
      rows(
          c,
          "select 'command ' || step_name || ' created (requested)', created_at from commands"
              + " where build_id = ? union all select 'command claimed by runner', started_at"
              + " from commands where build_id = ? and step_name = 'main'"
              + " union all select 'command finished (runner)', finished_at from commands"
              + " where build_id = ? and step_name = 'main'"
              + " union all select 'command result stored (coordinator)', result_at"
              + " from commands where build_id = ? and step_name = 'main'",
          id,
          4,
          events);
    }
    int records = 0;
    Map<String, String> typeOf = new HashMap<>();
    for (ConsumerRecord<String, String> r : Events.read(stack, before, after)) {
      Envelope envelope = EventCodec.decode(r.value());
      typeOf.put(envelope.id(), envelope.type());
      events
          .computeIfAbsent(r.timestamp() * 1000, k -> new ArrayList<>())
          .add("  kafka " + r.topic() + " " + envelope.type() + " (relay sent)");
      records++;
    }
    // when each consumer began the transaction that applied each record (its dedup row's now())
    try (Connection c = stack.sql();
        PreparedStatement q =
            c.prepareStatement(
                "select consumer, event_id, processed_at from processed_events"
                    + " where event_id = any(?)")) {
      q.setArray(1, c.createArrayOf("text", typeOf.keySet().toArray()));
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          events
              .computeIfAbsent(micros(rs.getTimestamp(3)), k -> new ArrayList<>())
              .add(
                  "    applied by "
                      + rs.getString(1)
                      + ": "
                      + typeOf.get(rs.getString(2))
                      + " (transaction began)");
        }
      }
    }
    long zero = events.firstKey();
    System.out.printf(
        "%nOne P6 build's timeline (%s; rows: database clock µs, kafka: record timestamps ms;"
            + " %d records on slipway.* while it ran)%n%10s %8s  %s%n",
        id, records, "t ms", "+ms", "what");
    long last = zero;
    for (Map.Entry<Long, List<String>> e : events.entrySet()) {
      for (String what : e.getValue()) {
        System.out.printf(
            "%10.1f %8.1f  %s%n", (e.getKey() - zero) / 1e3, (e.getKey() - last) / 1e3, what);
        last = e.getKey();
      }
    }
  }

  /** Adds each row (text, timestamp) that {@code query} gives for {@code id} to {@code events}. */
  private static void rows(
      Connection c, String query, String id, int parameters, TreeMap<Long, List<String>> events)
      throws Exception {
    try (PreparedStatement q = c.prepareStatement(query)) {
      for (int i = 1; i <= parameters; i++) {
        q.setString(i, id);
      }
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          java.sql.Timestamp at = rs.getTimestamp(2);
          if (at != null) {
            events.computeIfAbsent(micros(at), k -> new ArrayList<>()).add(rs.getString(1));
          }
        }
      }
    }
  }

  /** A database timestamp in microseconds since the epoch. */
  private static long micros(java.sql.Timestamp at) {
    return at.getTime() / 1000 * 1_000_000 + at.getNanos() / 1000;
  }

  // --- the budget

  /**
   * {@link #COUNTED} builds of {@code plan} while statements, events, channels and processes are
   * counted, then an idle window as long; prints the counts per build less the idle window's.
   */
  private void budget(String plan, int leases, String what) throws Exception {
    Window busy = Window.open(stack, host);
    long start = System.nanoTime();
    for (int i = 0; i < COUNTED; i++) {
      build(plan, leases, i + 1);
    }
    Counts during = busy.close();
    long nanos = System.nanoTime() - start;
    Window idle = Window.open(stack, host);
    LockSupport.parkNanos(nanos); // an idle window as long: the services' background work
    Counts background = idle.close();
    System.out.printf(
        "%nBudget per build, %s: %d builds in %.1f s, less an idle window of the same length%n",
        what, COUNTED, nanos / 1e9);
    System.out.printf("%-60s %10s %10s%n", "", "per build", "idle/window");
    Set<String> keys = new java.util.TreeSet<>(during.values.keySet());
    keys.addAll(background.values.keySet());
    for (String key : keys) {
      long d = during.values.getOrDefault(key, 0L);
      long b = background.values.getOrDefault(key, 0L);
      System.out.printf("%-60s %10.1f %10d%n", key, (d - b) / (double) COUNTED, b);
    }
    for (String note : during.notes) {
      System.out.println("  note: " + note);
    }
    if (!during.statements.isEmpty()) {
      System.out.println("statements per build, by service and text (busy window, top 40):");
      during.statements.entrySet().stream()
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
          .limit(40)
          .forEach(
              e ->
                  System.out.printf(
                      "%8.1f  %s%n",
                      e.getValue() / (double) COUNTED,
                      e.getKey().length() > 160 ? e.getKey().substring(0, 160) + "…" : e.getKey()));
    }
  }

  /** What a counting window saw: named counts, and statements by service and text. */
  record Counts(Map<String, Long> values, Map<String, Long> statements, List<String> notes) {}

  /** Counters read at the start of a window and again at its end. */
  static final class Window {
    private final E2eStack stack;
    private final Map<TopicPartition, Long> offsets;
    private final long[] xacts;
    private final StatementLog log;
    private final HostTrace trace;

    private Window(E2eStack stack, TestSshHost host) throws Exception {
      this.stack = stack;
      this.offsets = Events.offsets(stack);
      this.xacts = xacts(stack);
      this.log = StatementLog.start(stack);
      this.trace = host instanceof OpenSshHost ? HostTrace.start(host) : null;
    }

    static Window open(E2eStack stack, TestSshHost host) throws Exception {
      return new Window(stack, host);
    }

    Counts close() throws Exception {
      Map<String, Long> values = new TreeMap<>();
      Map<String, Long> statements = new HashMap<>();
      List<String> notes = new ArrayList<>();
      if (trace != null) {
        trace.stop(values);
      } else {
        notes.add(
            "SSH channels and host processes not counted: the host is Apache SSHD in this"
                + " JVM (no sshd processes to trace)");
      }
      log.stop(values, statements, notes);
      long[] now = xacts(stack);
      values.put("sql: pg_stat_database xact_commit (all clients, lazy)", now[0] - xacts[0]);
      values.put("sql: pg_stat_database xact_rollback (all clients, lazy)", now[1] - xacts[1]);
      Map<TopicPartition, Long> end = Events.offsets(stack);
      for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
        long delta = e.getValue() - offsets.getOrDefault(e.getKey(), 0L);
        values.merge("events: " + e.getKey().topic(), delta, Long::sum);
        values.merge("events: all slipway.* topics", delta, Long::sum);
      }
      return new Counts(values, statements, notes);
    }

    private static long[] xacts(E2eStack stack) throws Exception {
      try (Connection c = stack.sql();
          Statement s = c.createStatement()) {
        s.execute("select pg_stat_force_next_flush()");
        try (ResultSet rs =
            s.executeQuery(
                "select xact_commit, xact_rollback from pg_stat_database"
                    + " where datname = current_database()")) {
          rs.next();
          return new long[] {rs.getLong(1), rs.getLong(2)};
        }
      }
    }
  }

  // --- events on Kafka

  /** Offsets and records of every slipway.* topic. */
  static final class Events {
    private Events() {}

    static Map<TopicPartition, Long> offsets(E2eStack stack) {
      try (KafkaConsumer<String, String> consumer = TopicWatcher.consumer(stack, "earliest")) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (Map.Entry<String, List<PartitionInfo>> t : consumer.listTopics().entrySet()) {
          if (t.getKey().startsWith("slipway.")) {
            t.getValue().forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
          }
        }
        return new HashMap<>(consumer.endOffsets(partitions));
      }
    }

    /** The records between two {@link #offsets} of the same topics. */
    static List<ConsumerRecord<String, String>> read(
        E2eStack stack, Map<TopicPartition, Long> from, Map<TopicPartition, Long> to) {
      List<ConsumerRecord<String, String>> records = new ArrayList<>();
      try (KafkaConsumer<String, String> consumer = TopicWatcher.consumer(stack, "earliest")) {
        List<TopicPartition> wanted =
            to.keySet().stream().filter(p -> to.get(p) > from.getOrDefault(p, 0L)).toList();
        consumer.assign(wanted);
        wanted.forEach(p -> consumer.seek(p, from.getOrDefault(p, 0L)));
        Set<TopicPartition> pending = new HashSet<>(wanted);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!pending.isEmpty() && System.nanoTime() < deadline) {
          for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
            TopicPartition p = new TopicPartition(r.topic(), r.partition());
            if (r.offset() < to.get(p)) {
              records.add(r);
            }
          }
          pending.removeIf(p -> consumer.position(p) >= to.get(p));
        }
      }
      return records;
    }
  }

  // --- SQL statements: PostgreSQL's own statement log

  /**
   * Turns on {@code log_statement = all} for the window and reads what the server logged for this
   * database, by backend; backends are told apart by the process that holds their client socket
   * (coordinator, worker, or anything else, such as the benchmark's own queries).
   */
  static final class StatementLog {
    private static final Pattern LINE =
        Pattern.compile("\\[(\\d+)\\] (\\S*) LOG:  (?:statement|execute [^:]*): (.*)");

    private final E2eStack stack;
    private final Path file;
    private final long offset;
    private final Map<Integer, String> services;

    private StatementLog(E2eStack stack, Path file, long offset) throws Exception {
      this.stack = stack;
      this.file = file;
      this.offset = offset;
      this.services = file == null ? Map.of() : new HashMap<>(services(stack));
    }

    static StatementLog start(E2eStack stack) throws Exception {
      Path file;
      try (Connection c = stack.sql();
          Statement s = c.createStatement()) {
        try (ResultSet rs = s.executeQuery("show data_directory")) {
          rs.next();
          file = Path.of(rs.getString(1)).resolveSibling("postgres.log");
        }
        if (!Files.isReadable(file)) {
          return new StatementLog(stack, null, 0);
        }
        long offset = Files.size(file);
        s.execute("alter system set log_line_prefix = '%m [%p] %d '");
        s.execute("alter system set log_statement = 'all'");
        s.execute("select pg_reload_conf()");
        return new StatementLog(stack, file, offset);
      }
    }

    void stop(Map<String, Long> values, Map<String, Long> statements, List<String> notes)
        throws Exception {
      if (file == null) {
        notes.add("SQL statements not counted: the server's log is not on this machine");
        return;
      }
      services.putAll(services(stack));
      try (Connection c = stack.sql();
          Statement s = c.createStatement()) {
        s.execute("alter system reset log_statement");
        s.execute("alter system reset log_line_prefix");
        s.execute("select pg_reload_conf()");
      }
      String database = Path.of(stack.jdbcUrl.replaceFirst("\\?.*", "")).getFileName().toString();
      Map<Integer, Boolean> inTransaction = new HashMap<>();
      for (String[] statement : statements(database)) {
        int pid = Integer.parseInt(statement[0]);
        String service = services.getOrDefault(pid, "other (benchmark)");
        String sql = statement[1].strip().replaceAll("\\s+", " ");
        String verb = sql.split("\\s+", 2)[0].toLowerCase();
        values.merge("sql: statements, " + service, 1L, Long::sum);
        if (verb.equals("begin")) {
          inTransaction.put(pid, true);
        } else if (verb.equals("commit") || verb.equals("rollback")) {
          inTransaction.put(pid, false);
          values.merge("sql: transactions, " + service, 1L, Long::sum);
        } else {
          values.merge("sql: statements " + verb + ", " + service, 1L, Long::sum);
          if (!inTransaction.getOrDefault(pid, false)) {
            values.merge("sql: transactions, " + service, 1L, Long::sum);
          }
        }
        if (!service.startsWith("other")) {
          statements.merge(service + ": " + sql, 1L, Long::sum);
        }
      }
    }

    /** Each statement of {@code database} logged since the start: backend pid, text. */
    private List<String[]> statements(String database) throws IOException {
      List<String[]> statements = new ArrayList<>();
      StringBuilder current = null;
      String pid = null;
      for (String line : tail()) {
        Matcher m = LINE.matcher(line);
        if (m.find()) {
          if (current != null) {
            statements.add(new String[] {pid, current.toString()});
          }
          current = m.group(2).equals(database) ? new StringBuilder(m.group(3)) : null;
          pid = m.group(1);
        } else if (line.startsWith("\t") && current != null) {
          current.append(' ').append(line.strip());
        } else if (current != null) {
          statements.add(new String[] {pid, current.toString()});
          current = null;
        }
      }
      if (current != null) {
        statements.add(new String[] {pid, current.toString()});
      }
      return statements;
    }

    private List<String> tail() throws IOException {
      try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
        f.seek(offset);
        byte[] bytes = new byte[(int) (f.length() - offset)];
        f.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8).lines().toList();
      }
    }

    /** Backend pid → "coordinator" or "worker", by who holds the client end of its socket. */
    private static Map<Integer, String> services(E2eStack stack) throws Exception {
      Map<Long, String> owners = new HashMap<>();
      sockets(stack.services.coordinator().process().toHandle(), "coordinator", owners);
      for (ServiceProcess worker : stack.services.workers()) {
        sockets(worker.process().toHandle(), "worker", owners);
      }
      Map<Integer, Long> inodeByPort = new HashMap<>();
      for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
        Path path = Path.of(table);
        if (!Files.isReadable(path)) {
          continue;
        }
        for (String line : Files.readAllLines(path).subList(1, Files.readAllLines(path).size())) {
          String[] f = line.trim().split("\\s+");
          String local = f[1];
          int port = Integer.parseInt(local.substring(local.indexOf(':') + 1), 16);
          inodeByPort.put(port, Long.parseLong(f[9]));
        }
      }
      Map<Integer, String> services = new HashMap<>();
      try (Connection c = stack.sql();
          ResultSet rs =
              c.createStatement()
                  .executeQuery(
                      "select pid, client_port from pg_stat_activity"
                          + " where datname = current_database() and client_port is not null")) {
        while (rs.next()) {
          Long inode = inodeByPort.get(rs.getInt(2));
          String owner = inode == null ? null : owners.get(inode);
          if (owner != null) {
            services.put(rs.getInt(1), owner);
          }
        }
      }
      return services;
    }

    /** Notes the socket inodes that {@code process} and its descendants hold as {@code name}. */
    private static void sockets(ProcessHandle process, String name, Map<Long, String> owners) {
      Stream.concat(Stream.of(process), process.descendants())
          .forEach(
              p -> {
                try (Stream<Path> fds = Files.list(Path.of("/proc/" + p.pid() + "/fd"))) {
                  fds.forEach(
                      fd -> {
                        try {
                          String target = Files.readSymbolicLink(fd).toString();
                          if (target.startsWith("socket:[")) {
                            owners.put(
                                Long.parseLong(target.substring(8, target.length() - 1)), name);
                          }
                        } catch (IOException ignored) {
                          // closed meanwhile
                        }
                      });
                } catch (IOException ignored) {
                  // gone
                }
              });
    }
  }

  // --- SSH channels and processes on the OpenSSH host: strace on its sshd processes

  /**
   * {@code strace -f} attached to the host's sshd processes (the listener and each connection's):
   * every process they start (fork) and every program (execve), one file per task.
   */
  static final class HostTrace {
    private final Process strace;
    private final Path dir;
    private final Set<Long> sshd;

    private HostTrace(Process strace, Path dir, Set<Long> sshd) {
      this.strace = strace;
      this.dir = dir;
      this.sshd = sshd;
    }

    static HostTrace start(TestSshHost host) throws Exception {
      Set<Long> sshd = new HashSet<>();
      listener(host.port())
          .ifPresent(
              p -> {
                sshd.add(p.pid());
                p.descendants()
                    .filter(d -> d.info().command().map(c -> c.endsWith("sshd")).orElse(false))
                    .forEach(d -> sshd.add(d.pid()));
              });
      Path dir = Files.createTempDirectory("strace");
      List<String> command =
          new ArrayList<>(
              List.of(
                  "strace",
                  "-qq",
                  "-ff",
                  "-e",
                  "trace=execve,clone,clone3,fork,vfork",
                  "-o",
                  dir.resolve("t").toString()));
      for (long pid : sshd) {
        command.add("-p");
        command.add(Long.toString(pid));
      }
      Process strace =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("strace.out").toFile())
              .start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!sshd.stream().allMatch(HostTrace::traced) && System.nanoTime() < deadline) {
        LockSupport.parkNanos(10_000_000);
      }
      return new HostTrace(strace, dir, sshd);
    }

    /**
     * The sshd of an {@link OpenSshHost} listening on {@code port}: the one that forks sessions.
     */
    static java.util.Optional<ProcessHandle> listener(int port) {
      return ProcessHandle.allProcesses()
          .filter(p -> p.info().command().map(c -> c.endsWith("/sshd")).orElse(false))
          .filter(p -> cmdline(p).contains(".openssh-test-host"))
          .filter(p -> listensOn(p, port))
          .findFirst();
    }

    private static final Pattern CONFIG = Pattern.compile("-f (\\S*sshd_config)");

    /**
     * Whether {@code p}'s command line names the config of the sshd on {@code port} (sshd rewrites
     * its command line, "sshd: /usr/sbin/sshd -D -e -f … [listener] …", so it is searched as text).
     */
    private static boolean listensOn(ProcessHandle p, int port) {
      try {
        Matcher m = CONFIG.matcher(cmdline(p));
        return m.find() && Files.readString(Path.of(m.group(1))).contains("\nPort " + port + "\n");
      } catch (IOException | RuntimeException e) {
        return false;
      }
    }

    /** {@code /proc/<pid>/cmdline} as text (Java shows none for a rewritten command line). */
    private static String cmdline(ProcessHandle p) {
      try {
        return Files.readString(Path.of("/proc/" + p.pid() + "/cmdline")).replace('\0', ' ');
      } catch (IOException | RuntimeException e) {
        return "";
      }
    }

    private static boolean traced(long pid) {
      try {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
            .anyMatch(l -> l.startsWith("TracerPid:") && !l.endsWith("\t0"));
      } catch (IOException e) {
        return true; // gone
      }
    }

    private static final Pattern FORK =
        Pattern.compile("^(clone3?|fork|vfork)\\((.*)\\) += (\\d+)");
    private static final Pattern EXEC = Pattern.compile("^execve\\(\"([^\"]*)\".*\\) += 0");

    void stop(Map<String, Long> values) throws Exception {
      strace.destroy(); // SIGTERM: strace detaches and flushes
      strace.waitFor(10, TimeUnit.SECONDS);
      String said = Files.readString(dir.resolve("strace.out")).strip();
      if (!said.isEmpty()) {
        System.out.println("strace: " + said);
      }
      Map<Long, List<Long>> children = new HashMap<>();
      Map<Long, String> programs = new HashMap<>();
      long threads = 0;
      long processes = 0;
      long execs = 0;
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : files.filter(p -> p.getFileName().toString().startsWith("t.")).toList()) {
          long pid = Long.parseLong(f.getFileName().toString().substring(2));
          for (String line : Files.readAllLines(f)) {
            Matcher fork = FORK.matcher(line);
            Matcher exec = EXEC.matcher(line);
            if (fork.find()) {
              if (fork.group(2).contains("CLONE_THREAD")) {
                threads++;
              } else {
                processes++;
                children
                    .computeIfAbsent(pid, k -> new ArrayList<>())
                    .add(Long.valueOf(fork.group(3)));
              }
            } else if (exec.find()) {
              execs++;
              programs.putIfAbsent(pid, exec.group(1));
            }
          }
        }
      }
      long exec = 0;
      long other = 0;
      long connections = 0;
      for (long parent : sshd) {
        for (long child : children.getOrDefault(parent, List.of())) {
          String program = programs.get(child);
          if (program == null) {
            other++; // internal-sftp, or sshd's own helpers
          } else if (program.contains("sshd")) {
            connections++; // a new connection: sshd re-executes itself for it
          } else {
            exec++;
          }
        }
      }
      values.put("host: processes started (fork, all of sshd's tree)", processes);
      values.put("host: programs run (execve)", execs);
      values.put("host: SSH exec channels (sshd forks a login shell)", exec);
      values.put("host: SSH other sessions (sshd forks, no exec: sftp)", other);
      values.put("host: new SSH connections", connections);
      values.put("host: sshd processes traced", (long) sshd.size());
      values.put("host: threads started", threads);
      deleteTree(dir);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  // --- baselines over a pooled connection

  /** A session to {@code host}, authenticated with its client key: a pooled connection. */
  static ClientSession connect(SshClient client, TestSshHost host) throws Exception {
    ClientSession session =
        client
            .connect(host.user(), host.address(), host.port())
            .verify(Duration.ofSeconds(10))
            .getSession();
    session.addPublicKeyIdentity(host.clientKeyPair());
    session.auth().verify(Duration.ofSeconds(10));
    return session;
  }

  /** {@link #BASELINE} execs of {@code command} on the pooled session, after 20 not measured. */
  private static long[] execs(ClientSession session, String command) throws Exception {
    long[] nanos = new long[BASELINE];
    for (int i = -20; i < BASELINE; i++) {
      long start = System.nanoTime();
      exec(session, command);
      if (i >= 0) {
        nanos[i] = System.nanoTime() - start;
      }
    }
    return nanos;
  }

  /** Runs {@code command} in an exec channel of {@code session}; asserts it exits 0. */
  static void exec(ClientSession session, String command) throws Exception {
    try (ChannelExec channel = session.createExecChannel(command)) {
      channel.setOut(java.io.OutputStream.nullOutputStream());
      channel.setErr(java.io.OutputStream.nullOutputStream());
      channel.open().verify(Duration.ofSeconds(10));
      channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), Duration.ofSeconds(30));
      Integer exit = channel.getExitStatus();
      assertEquals(0, exit == null ? -1 : exit, command);
    }
  }

  /** Plain {@code git checkout} of the other commit in a clone on the host, over the session. */
  private long[] checkouts(ClientSession session) throws Exception {
    Path clone = Files.createTempDirectory(stack.work, "plain").resolve("clone");
    Git.git(stack.work, "clone", "--quiet", repo.uri(), clone.toString());
    long[] nanos = new long[BASELINE / 4];
    for (int i = -10; i < nanos.length; i++) {
      String commit = (i & 1) == 0 ? repo.a() : repo.b();
      long start = System.nanoTime();
      exec(session, "git -C '" + clone + "' checkout --quiet --detach " + commit);
      if (i >= 0) {
        nanos[i] = System.nanoTime() - start;
      }
    }
    return nanos;
  }

  static String header() {
    return String.format("%-" + WIDTH + "s %8s %8s %8s %5s", "", "p50", "p95", "p99", "n");
  }

  static void print(String what, long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    System.out.printf(
        "%-" + WIDTH + "s %8.2f %8.2f %8.2f %5d%n",
        what,
        at(sorted, 0.50),
        at(sorted, 0.95),
        at(sorted, 0.99),
        sorted.length);
  }

  private static double at(long[] sorted, double quantile) {
    int index = (int) Math.ceil(quantile * sorted.length) - 1;
    return sorted[Math.max(0, index)] / 1e6;
  }
}
