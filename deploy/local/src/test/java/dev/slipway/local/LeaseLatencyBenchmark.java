package dev.slipway.local;

import dev.slipway.common.events.Envelope;
import dev.slipway.common.events.EventCodec;
import dev.slipway.common.events.EventTypes;
import dev.slipway.common.events.LeaseChanged;
import dev.slipway.common.events.Topics;
import dev.slipway.local.StackCpu.Reading;
import dev.slipway.local.StackCpu.Tracked;
import dev.slipway.stack.SshTestHost;
import dev.slipway.stack.TopicReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * Lease request → active latency through the whole system (REST, coordinator, outbox, Kafka,
 * allocator, outbox, Kafka), on a warm static pool of 10 and of 10,000 hosts, beside the floors
 * measured in the same run: one Kafka produce→consume hop and one PostgreSQL reservation
 * transaction; and P1 of issue #15, lease requested → acquired by the records' timestamps, with 1
 * and with 8 clients asking at once. Prints figures; asserts nothing about time. Run it with
 *
 * <pre>
 * ./mvnw -B install -DskipTests && ./mvnw -B -pl deploy/local verify -Dit.test=LeaseLatencyBenchmark
 * </pre>
 */
class LeaseLatencyBenchmark {

  private static final int WARMUP = 2_000;
  private static final int SAMPLES = 2_000;
  private static final int P1_LEASES = 2_000;

  @Test
  void leaseLatency() throws Exception {
    E2eStack stack = E2eStack.get();
    SshTestHost machine = stack.sshHost();
    System.out.println("\n=== Slipway lease latency (ms) ===");
    System.out.println(header());
    print("Kafka produce→consume, one hop (floor)", kafkaHop(stack));
    print("PostgreSQL slot reservation transaction (floor)", reservation(stack, machine));
    String small = E2eStack.newPool();
    addHosts(stack, machine, small, 10, 1000);
    print("lease request → active, 10 hosts", leaseLatency(stack, small, true));
    for (int requesters : new int[] {1, 8}) {
      print(
          "P1: requested → acquired, " + requesters + " at once (records)",
          requestedToAcquired(stack, small, requesters));
    }
    // hosts as most are: a slot comes free only when the allocator applies the release
    String scarce = E2eStack.newPool();
    addHosts(stack, machine, scarce, 10, 1);
    print(
        "P1: requested → acquired, 8 at once, 10 hosts of 1 slot",
        requestedToAcquired(stack, scarce, 8));
    if (!Boolean.parseBoolean(System.getProperty("bench.large-pool", "true"))) {
      return; // -Dbench.large-pool=false: P1 only, a minute sooner
    }
    String large = E2eStack.newPool();
    addHosts(stack, machine, large, 10_000, 1000);
    print("lease request → active, 10,000 hosts", leaseLatency(stack, large, false));
  }

  /** Nanoseconds from POST /api/v1/leases to the lease.activated event reaching a consumer. */
  private static long[] leaseLatency(E2eStack stack, String pool, boolean stages) throws Exception {
    Arrivals<Long> activeAt = new Arrivals<>();
    try (EventWatcher watcher = new EventWatcher(stack, activeAt)) {
      watcher.start();
      for (int i = 0; i < WARMUP; i++) {
        timedLease(stack, pool, activeAt, null);
      }
      long[] samples = new long[SAMPLES];
      Map<String, Long> postedAt = new HashMap<>();
      for (int i = 0; i < SAMPLES; i++) {
        samples[i] = timedLease(stack, pool, activeAt, postedAt).nanos();
      }
      if (stages) {
        StageTrace.print(stack, postedAt, watcher.sentAt, watcher.seenAt);
      }
      return samples;
    }
  }

  /**
   * P1: from the {@code lease.requested} record on {@code slipway.lease-requests} to the {@code
   * lease.acquired} record on {@code slipway.leases}, by the records' timestamps (set by each
   * outbox relay when it sends, so milliseconds), with {@code requesters} clients each asking for
   * leases one after another ({@link #P1_LEASES} in all, on the warm pool).
   */
  private static long[] requestedToAcquired(E2eStack stack, String pool, int requesters)
      throws Exception {
    Arrivals<Long> activeAt = new Arrivals<>();
    List<String> leases = Collections.synchronizedList(new ArrayList<>());
    try (EventWatcher watcher = new EventWatcher(stack, activeAt)) {
      watcher.start();
      ExecutorService clients = Executors.newFixedThreadPool(requesters);
      CpuUse cpu = CpuUse.start(stack);
      try {
        List<Future<?>> running = new ArrayList<>();
        for (int r = 0; r < requesters; r++) {
          running.add(
              clients.submit(
                  () -> {
                    for (int i = 0; i < P1_LEASES / requesters; i++) {
                      leases.add(timedLease(stack, pool, activeAt, null).id());
                    }
                    return null;
                  }));
        }
        for (Future<?> f : running) {
          f.get();
        }
        cpu.print(requesters + " at once", leases.size());
        StageTrace.printAllocation(
            stack, leases, watcher.sentAt, watcher.requestEvents, watcher.releaseEvents);
      } finally {
        clients.shutdownNow();
      }
      // a lease's records share its key, hence a partition: acquired was read before activated
      return leases.stream()
          .mapToLong(
              id ->
                  TimeUnit.MILLISECONDS.toNanos(
                      watcher.sentAt.get(id + " " + EventTypes.LEASE_ACQUIRED)
                          - watcher.sentAt.get(id + " " + EventTypes.LEASE_REQUESTED)))
          .toArray();
    }
  }

  /**
   * The CPU the machine and each process of the stack used over a window, per lease: whether a
   * phase was bound by the two cores or by one thread (the allocator's consumer), and which process
   * the cores went to.
   */
  record CpuUse(Map<String, Tracked> tracked, Reading start) {

    static CpuUse start(E2eStack stack) throws Exception {
      Map<String, Tracked> tracked = StackCpu.services(stack);
      tracked.put("benchmark JVM", StackCpu.self());
      return new CpuUse(tracked, Reading.take(tracked));
    }

    void print(String what, int leases) {
      Reading used = Reading.take(tracked).minus(start);
      double seconds = used.at() / 1e9;
      StringBuilder processes = new StringBuilder();
      used.ticks()
          .forEach(
              (name, ticks) ->
                  processes.append(
                      String.format(" %s %.2f,", name, CpuTime.millis(ticks) / leases)));
      processes.append(
          String.format(
              " anything else %.2f", CpuTime.millis(used.machine() - used.tracked()) / leases));
      StringBuilder threads = new StringBuilder();
      used.threads().getOrDefault("worker", Map.of()).entrySet().stream()
          .filter(e -> e.getValue() > 0)
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
          .limit(5)
          .forEach(
              e ->
                  threads.append(
                      String.format(
                          " %s %.2f (%.0f%% of the window);",
                          e.getKey(),
                          CpuTime.millis(e.getValue()) / leases,
                          CpuTime.millis(e.getValue()) / 10 / seconds)));
      System.out.printf(
          "  CPU, %s: %d leases in %.1f s (%.0f/s); machine busy %.0f%% of %d cores;"
              + " per lease (ms): machine %.2f;%s; worker threads:%s%n",
          what,
          leases,
          seconds,
          leases / seconds,
          CpuTime.millis(used.machine())
              / 10
              / seconds
              / Runtime.getRuntime().availableProcessors(),
          Runtime.getRuntime().availableProcessors(),
          CpuTime.millis(used.machine()) / leases,
          processes,
          threads);
    }
  }

  /**
   * A lease and the nanoseconds from its request to its activation seen by an {@link EventWatcher}.
   */
  record Timed(String id, long nanos) {}

  /**
   * Requests a lease of a host of {@code pool}, waits (up to 30 s) until {@code activeAt} notes it
   * active, and releases it; {@code postedAt} (if not null) notes when it was requested.
   */
  static Timed timedLease(
      E2eStack stack, String pool, Arrivals<Long> activeAt, Map<String, Long> postedAt)
      throws Exception {
    Map<String, Object> body = new HashMap<>();
    body.put("type", "host");
    body.put("attributes", Map.of("pool", pool));
    body.put("owner", "benchmark");
    long start = System.nanoTime();
    long wallStart = StageTrace.nowMicros();
    String id = stack.api.post("api/v1/leases", body).ok().get("id").asText();
    if (postedAt != null) {
      postedAt.put(id, wallStart);
    }
    long end;
    try {
      end = activeAt.await(id, 30);
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "lease "
              + id
              + " not active after 30 s: "
              + stack.api.get("api/v1/leases/" + id).body()
              + " history "
              + AllocationIT.historyOf(id)
              + " outbox "
              + outboxRows(stack));
    }
    stack.api.post("api/v1/leases/" + id + "/release", Map.of()).ok();
    return new Timed(id, end - start);
  }

  private static String outboxRows(E2eStack stack) throws Exception {
    try (Connection c = stack.sql();
        ResultSet rs =
            c.createStatement()
                .executeQuery(
                    "select (select count(*) from outbox) || ' rows; allocator processed '"
                        + " || (select count(*) from processed_events"
                        + " where consumer = 'allocator.lease-requests') || ' events for '"
                        + " || (select count(*) from leases) || ' leases'")) {
      rs.next();
      return rs.getString(1);
    }
  }

  /** Reads slipway.leases and notes when each lease became active. */
  static final class EventWatcher extends TopicWatcher {
    private final Arrivals<Long> activeAt;

    /** Kafka record timestamps (ms) of lease.requested / lease.activated, by lease and type. */
    final Map<String, Long> sentAt = new ConcurrentHashMap<>();

    /** The id of each lease's lease.requested event, by lease. */
    final Map<String, String> requestEvents = new ConcurrentHashMap<>();

    /** The id of each lease's lease.release-requested event, by lease. */
    final Map<String, String> releaseEvents = new ConcurrentHashMap<>();

    /** When this consumer saw lease.activated (epoch µs), by lease. */
    final Map<String, Long> seenAt = new ConcurrentHashMap<>();

    EventWatcher(E2eStack stack, Arrivals<Long> activeAt) {
      super(stack, List.of(Topics.LEASES, Topics.LEASE_REQUESTS));
      this.activeAt = activeAt;
    }

    @Override
    protected void on(ConsumerRecord<String, String> record, Envelope event) {
      if (EventTypes.LEASE_ACTIVATED.equals(event.type())) {
        String lease = EventCodec.data(event, LeaseChanged.class).leaseId();
        activeAt.arrived(lease, System.nanoTime());
        seenAt.put(lease, StageTrace.nowMicros());
      }
      if (EventTypes.LEASE_REQUESTED.equals(event.type())) {
        requestEvents.put(record.key(), event.id());
      }
      if (EventTypes.LEASE_RELEASE_REQUESTED.equals(event.type())) {
        releaseEvents.put(record.key(), event.id());
      }
      sentAt.put(record.key() + " " + event.type(), record.timestamp());
    }
  }

  /** One produce→consume hop of a 1 KiB record, warm clients, linger 0. */
  private static long[] kafkaHop(E2eStack stack) throws Exception {
    String topic = "benchmark-hop-" + UUID.randomUUID();
    String payload = "x".repeat(1024);
    try (KafkaProducer<String, String> producer =
            TopicReader.producer(stack.broker.bootstrapServers());
        KafkaConsumer<String, String> consumer = TopicWatcher.consumer(stack, "earliest")) {
      producer.send(new ProducerRecord<>(topic, "k", payload)).get();
      consumer.subscribe(List.of(topic));
      while (consumer.poll(Duration.ofMillis(100)).isEmpty()) {
        // until assigned and the first record is read
      }
      long[] samples = new long[SAMPLES];
      for (int i = -WARMUP; i < SAMPLES; i++) {
        long start = System.nanoTime();
        producer.send(new ProducerRecord<>(topic, "k", payload));
        while (consumer.poll(Duration.ofMillis(100)).isEmpty()) {
          // wait for it
        }
        if (i >= 0) {
          samples[i] = System.nanoTime() - start;
        }
      }
      return samples;
    }
  }

  /** The allocator's atomic reservation statement and its release, each its own transaction. */
  private static long[] reservation(E2eStack stack, SshTestHost machine) throws Exception {
    String pool = E2eStack.newPool();
    addHosts(stack, machine, pool, 10, 1000);
    String attributes = "{\"pool\": \"" + pool + "\"}";
    long[] samples = new long[SAMPLES];
    try (Connection c = stack.sql();
        PreparedStatement reserve =
            c.prepareStatement(
                "update resources set leases_held = leases_held + 1, updated_at = now()"
                    + " where id = (select id from resources where type = 'host'"
                    + " and status = 'active' and enabled and leases_held < slots"
                    + " and attributes @> cast(? as jsonb)"
                    + " order by leases_held, created_at, id limit 1 for update skip locked)"
                    + " and leases_held < slots returning id");
        PreparedStatement free =
            c.prepareStatement("update resources set leases_held = leases_held - 1 where id = ?")) {
      for (int i = -WARMUP; i < SAMPLES; i++) {
        reserve.setString(1, attributes);
        long start = System.nanoTime();
        String id;
        try (ResultSet rs = reserve.executeQuery()) {
          rs.next();
          id = rs.getString(1);
        }
        if (i >= 0) {
          samples[i] = System.nanoTime() - start;
        }
        free.setString(1, id);
        free.executeUpdate();
      }
    }
    return samples;
  }

  /**
   * Registers {@code count} hosts of {@code pool}: the first ten through the API, the rest with one
   * SQL statement (10,000 API calls would only measure registration).
   */
  private static void addHosts(
      E2eStack stack, SshTestHost machine, String pool, int count, int slots) throws Exception {
    String first = null;
    for (int i = 0; i < Math.min(count, 10); i++) {
      String id =
          stack.registerHost(
              machine,
              machine.clientPrivateKeyPem(),
              pool + "-" + i,
              "linux",
              Map.of("pool", pool),
              slots);
      first = first == null ? id : first;
    }
    if (count > 10) {
      try (Connection c = stack.sql();
          PreparedStatement copy =
              c.prepareStatement(
                  "insert into resources (id, blueprint_id, type, name, status, attributes, slots,"
                      + " address, port, username, credential_id)"
                      + " select 'host-bench-' || n || '-' || r.name, r.blueprint_id, r.type,"
                      + " r.name || '-' || n, r.status, r.attributes, r.slots, r.address, r.port,"
                      + " r.username, r.credential_id"
                      + " from resources r, generate_series(10, ?) n where r.id = ?")) {
        copy.setInt(1, count - 1);
        copy.setString(2, first);
        copy.executeUpdate();
      }
      try (Connection c = stack.sql()) {
        c.createStatement().execute("analyze resources");
      }
    }
  }

  static String header() {
    return String.format("%-52s %8s %8s %8s %8s", "", "p50", "p95", "p99", "n");
  }

  static void print(String what, long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    System.out.printf(
        "%-52s %8.2f %8.2f %8.2f %8d%n",
        what, at(sorted, 0.50), at(sorted, 0.95), at(sorted, 0.99), sorted.length);
  }

  private static double at(long[] sorted, double quantile) {
    int index = (int) Math.ceil(quantile * sorted.length) - 1;
    return sorted[Math.max(0, index)] / 1e6;
  }
}
