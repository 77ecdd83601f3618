package dev.slipway.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.common.events.CommandOutput;
import dev.slipway.common.events.Envelope;
import dev.slipway.common.events.EventCodec;
import dev.slipway.common.events.EventTypes;
import dev.slipway.common.events.Topics;
import dev.slipway.stack.OpenSshHost;
import dev.slipway.stack.TestSshHost;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.junit.jupiter.api.Test;

/**
 * How soon a line a build's command prints on its host is seen by a follower of the build's log
 * (issue #15, P2: "output visible to a follower within 50 ms of being written"), through the whole
 * system: the packaged coordinator and worker, Kafka, PostgreSQL and SSH hosts (Debian's OpenSSH
 * sshd if installed: one with SFTP, one without, whose runner reads the spool over exec; else
 * Apache SSHD in this JVM). The command prints the host's wall clock ({@code date +%s%N}) after
 * sleeps of 0.3 to 1.5 s, so that most lines come after a quiet spell; host, runner, coordinator
 * and follower share this machine's clock, so (seen − written) is the latency. The follower reads
 * {@code GET /api/v1/builds/{id}/log?follow=true} (what {@code slipway logs -f} reads) as it
 * streams. Stages: the Kafka record's CreateTime (the runner's clock when it sent the chunk, ms
 * resolution) and a consumer of {@code slipway.command-output} in this JVM. Baseline, in the same
 * run and at the same time: the same script on a plain SSH exec channel of a pooled session, its
 * stdout read as it streams (what {@code ssh host script} shows). Prints figures; asserts only that
 * every line is seen, once and in order. Run it with
 *
 * <pre>
 * ./mvnw -B -o verify -pl deploy/local -am -Dit.test=OutputLatencyBenchmark -Dtest=none \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false
 *     # -Dbench.lines=N (60 per build)
 * </pre>
 */
class OutputLatencyBenchmark {

  /** Lines each command prints. */
  private static final int LINES = Integer.getInteger("bench.lines", 60);

  private static final Pattern STAMP = Pattern.compile("^(\\d{19})$");

  private E2eStack stack;

  /** The pool each host was registered in. */
  private final Map<TestSshHost, String> registered = new HashMap<>();

  @Test
  void outputWrittenToSeenByAFollower() throws Exception {
    stack = E2eStack.get();
    List<TestSshHost> hosts = new ArrayList<>();
    List<String> kinds = new ArrayList<>();
    if (OpenSshHost.available()) {
      hosts.add(OpenSshHost.start(Files.createTempDirectory(stack.work, "openssh")));
      kinds.add("OpenSSH sshd, SFTP");
      hosts.add(
          OpenSshHost.start(
              Files.createTempDirectory(stack.work, "openssh-nosftp"), OpenSshHost.Option.NO_SFTP));
      kinds.add("OpenSSH sshd, no SFTP (spool read over exec)");
    } else {
      hosts.add(stack.sshHost());
      kinds.add("Apache SSHD in the benchmark's JVM");
    }
    String script = script(new Random(15));
    try (OutputWatcher kafka = new OutputWatcher(stack);
        SshClient client = SshClient.setUpDefaultClient()) {
      kafka.start();
      client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
      client.start();
      // warm-up: a short build on each host (JIT, pooled sessions)
      for (TestSshHost host : hosts) {
        follow(build(host, "echo 1; sleep 0.3; echo 2"));
      }
      ExecutorService pool = Executors.newCachedThreadPool();
      List<Future<Map<String, long[]>>> runs = new ArrayList<>();
      for (TestSshHost host : hosts) {
        String build = build(host, script);
        runs.add(pool.submit(() -> follow(build)));
      }
      Future<long[]> plain = pool.submit(() -> plainExec(client, hosts.get(0), script));
      System.out.printf(
          "%n=== Slipway output: written on the host → seen by a follower of the log (ms) ===%n"
              + "command: %d lines, each after a sleep of 0.3..1.5 s; builds on each host and the"
              + " baseline run at the same time%n",
          LINES);
      System.out.println(BuildLatencyBenchmark.header());
      for (int i = 0; i < hosts.size(); i++) {
        Map<String, long[]> seen = runs.get(i).get(10, TimeUnit.MINUTES);
        long[] written = seen.get("written");
        System.out.println(kinds.get(i));
        BuildLatencyBenchmark.print(
            "  written → runner sent it (Kafka CreateTime, ms)",
            minus(kafka.sent(written), written));
        BuildLatencyBenchmark.print(
            "  written → on slipway.command-output (a consumer)",
            minus(kafka.seen(written), written));
        BuildLatencyBenchmark.print(
            "  written → seen by the follower (log?follow=true)", minus(seen.get("seen"), written));
      }
      long[] baseline = plain.get(10, TimeUnit.MINUTES);
      BuildLatencyBenchmark.print(
          "baseline: written → read from a plain SSH exec channel", baseline);
      pool.shutdown();
    } finally {
      for (TestSshHost host : hosts) {
        host.close();
      }
    }
  }

  /** A script printing {@link #LINES} stamps, each after a sleep of 0.3 to 1.5 s. */
  private static String script(Random random) {
    StringBuilder sleeps = new StringBuilder();
    for (int i = 0; i < LINES; i++) {
      sleeps
          .append(i == 0 ? "" : " ")
          .append(String.format("%.2f", 0.3 + random.nextDouble() * 1.2));
    }
    return "for d in " + sleeps + "; do sleep $d; date +%s%N; done";
  }

  /** Registers {@code host} in a pool of its own, submits a build running {@code command} there. */
  private String build(TestSshHost host, String command) throws Exception {
    String pool = E2eStack.newPool();
    if (!registered.containsKey(host)) {
      Map<String, Object> body =
          stack.hostBody(
              host, host.clientPrivateKeyPem(), "host-" + pool, "linux", Map.of("pool", pool), 2);
      body.put("hostKey", host.hostPublicKey());
      stack.api.registerHost(body);
      registered.put(host, pool);
    }
    return stack.api.submitBuild(stack.plan(registered.get(host), command));
  }

  /**
   * Follows the build's log through the API until it ends: the stamps ("written") and when each
   * line was read ("seen"), epoch ns; asserts the build passed and every stamp came once, in order.
   */
  private Map<String, long[]> follow(String build) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create(
                    stack.services.apiUrl() + "/api/v1/builds/" + build + "/log?follow=true"))
            .header("Authorization", "Bearer " + stack.adminToken)
            .build();
    HttpResponse<InputStream> response =
        HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, response.statusCode());
    List<Long> written = new ArrayList<>();
    List<Long> seen = new ArrayList<>();
    String last = "";
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        long now = epochNanos();
        Matcher m = STAMP.matcher(line);
        if (m.matches()) {
          written.add(Long.valueOf(m.group(1)));
          seen.add(now);
        }
        last = line;
      }
    }
    String end = last;
    assertTrue(end.startsWith("=== build passed"), () -> "build " + build + " ended: " + end);
    for (int i = 1; i < written.size(); i++) {
      assertTrue(written.get(i) > written.get(i - 1), "stamps out of order");
    }
    return Map.of("written", toArray(written), "seen", toArray(seen));
  }

  /** The same script on a plain exec channel: written → read, ns, for each stamp. */
  private static long[] plainExec(SshClient client, TestSshHost host, String script)
      throws Exception {
    try (ClientSession session =
        client
            .connect(host.user(), host.address(), host.port())
            .verify(Duration.ofSeconds(10))
            .getSession()) {
      session.addPublicKeyIdentity(host.clientKeyPair());
      session.auth().verify(Duration.ofSeconds(10));
      try (ChannelExec channel = session.createExecChannel(script)) {
        channel.setErr(java.io.OutputStream.nullOutputStream());
        channel.open().verify(Duration.ofSeconds(10));
        List<Long> latency = new ArrayList<>();
        try (BufferedReader lines =
            new BufferedReader(
                new InputStreamReader(channel.getInvertedOut(), StandardCharsets.UTF_8))) {
          String line;
          while ((line = lines.readLine()) != null) {
            long now = epochNanos();
            Matcher m = STAMP.matcher(line.strip());
            if (m.matches()) {
              latency.add(now - Long.parseLong(m.group(1)));
            }
          }
        }
        return toArray(latency);
      }
    }
  }

  /** This machine's wall clock, ns since the epoch (the clock {@code date +%s%N} reads). */
  private static long epochNanos() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  private static long[] toArray(List<Long> values) {
    return values.stream().mapToLong(Long::longValue).toArray();
  }

  private static long[] minus(long[] a, long[] b) {
    long[] d = new long[a.length];
    for (int i = 0; i < a.length; i++) {
      d[i] = a[i] - b[i];
    }
    return d;
  }

  /**
   * Reads {@code slipway.command-output}: for each stamp line, when this consumer got its chunk and
   * the chunk's record timestamp (CreateTime: the runner's clock when it sent it), epoch ns.
   */
  static final class OutputWatcher extends TopicWatcher {
    private final Map<Long, Long> seenAt = new ConcurrentHashMap<>();
    private final Map<Long, Long> sentAt = new ConcurrentHashMap<>();

    OutputWatcher(E2eStack stack) {
      super(stack, List.of(Topics.COMMAND_OUTPUT));
    }

    @Override
    protected void on(ConsumerRecord<String, String> record, Envelope event) {
      long now = epochNanos();
      if (!EventTypes.COMMAND_OUTPUT.equals(event.type())) {
        return;
      }
      CommandOutput chunk = EventCodec.data(event, CommandOutput.class);
      for (String line : chunk.text().split("\n")) {
        Matcher m = STAMP.matcher(line);
        if (m.matches()) {
          long stamp = Long.parseLong(m.group(1));
          seenAt.put(stamp, now);
          sentAt.put(stamp, record.timestamp() * 1_000_000L);
        }
      }
    }

    long[] seen(long[] stamps) {
      return of(seenAt, stamps);
    }

    long[] sent(long[] stamps) {
      return of(sentAt, stamps);
    }

    private static long[] of(Map<Long, Long> times, long[] stamps) {
      long[] values = new long[stamps.length];
      for (int i = 0; i < stamps.length; i++) {
        values[i] = times.getOrDefault(stamps[i], stamps[i]);
      }
      return values;
    }
  }
}
