package dev.slipway.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.local.E2eStack.HostWithHome;
import dev.slipway.stack.GeneratedRepository;
import dev.slipway.stack.Git;
import dev.slipway.stack.MedianRow;
import dev.slipway.stack.SshTestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * Working-copy lease request → active through the whole system (REST, coordinator, Kafka,
 * allocator, git over SSH on the host), for a generated repository of 10,000 files and 500 commits,
 * three ways, in the same run on the same kind of host: (a) a fresh clone (a host that has never
 * seen the repository: mirror and copy both made), (b) a new copy cloned from the host's mirror
 * (every existing copy is in use), (c) an idle copy recycled (cleaned when its last lease ended,
 * then fetched and checked out), after {@code WARM_UP} recycled leases not measured. Beside them,
 * the baseline: a plain {@code git clone} + checkout on this machine. Prints figures; asserts only
 * that each lease ends at the commit asked for. Run it with
 *
 * <pre>
 * ./mvnw -B install -DskipTests
 * ./mvnw -B -pl deploy/local verify -Dit.test=WorkingCopyLeaseBenchmark -Dtest=none \
 *     -Dsurefire.failIfNoSpecifiedTests=false      # -Dbench.runs=N (5), -Dbench.warmup=N (20)
 * </pre>
 */
class WorkingCopyLeaseBenchmark {

  private static final int FILES = 10_000;
  private static final int COMMITS = 500;
  private static final int RUNS = Integer.getInteger("bench.runs", 5);

  /**
   * Recycled leases served before those measured, as a worker in service has (its code compiled by
   * the JIT): the first leases through fresh JVMs take several times longer.
   */
  private static final int WARM_UP = Integer.getInteger("bench.warmup", 20);

  @Test
  void freshCloneMirrorCloneAndRecycle() throws Exception {
    E2eStack stack = E2eStack.get();
    Path origin = Files.createTempDirectory(stack.work, "bench").resolve("origin.git");
    String head = GeneratedRepository.create(origin, FILES, COMMITS);
    String previous = Git.git(origin, "rev-parse", "HEAD~1");
    // a file:// URL: git fetches through its transport (packs), as from a remote repository,
    // instead of hard-linking objects from a local path
    measure(stack, "repository at a file:// URL", origin.toUri().toString(), head, previous);
    // the same repository served by an SSH server on loopback, reached with a deploy key
    SshTestHost server = stack.sshHost();
    String remote = "ssh://%s@127.0.0.1:%d%s".formatted(server.user(), server.port(), origin);
    stack
        .api
        .post(
            "api/v1/repositories",
            Map.of("uri", remote, "sshPrivateKey", server.clientPrivateKeyPem()))
        .ok();
    measure(stack, "repository at an ssh:// URL (deploy key)", remote, head, previous);
  }

  private static void measure(E2eStack stack, String what, String uri, String head, String previous)
      throws Exception {
    long[] baseline = new long[RUNS];
    for (int i = 0; i < RUNS && uri.startsWith("file:"); i++) {
      Path target = Files.createTempDirectory(stack.work, "plain").resolve("clone");
      long start = System.nanoTime();
      Git.git(stack.work, "clone", "--quiet", "--no-checkout", uri, target.toString());
      Git.git(target, "checkout", "--quiet", "--detach", head);
      baseline[i] = System.nanoTime() - start;
    }

    long[] fresh = new long[RUNS];
    List<String> freshIds = new ArrayList<>();
    String hostLease = null;
    for (int i = 0; i < RUNS; i++) {
      hostLease = hostLease(stack);
      Timed lease = workingCopy(stack, uri, head, hostLease);
      fresh[i] = lease.nanos();
      freshIds.add(lease.id());
      release(stack, lease.id());
    }

    long[] fromMirror = new long[RUNS];
    List<String> held = new ArrayList<>();
    held.add(workingCopy(stack, uri, head, hostLease).id()); // takes the idle copy
    for (int i = 0; i < RUNS; i++) {
      Timed lease = workingCopy(stack, uri, head, hostLease); // every copy is held: a new one
      fromMirror[i] = lease.nanos();
      held.add(lease.id());
    }
    for (String id : held) {
      release(stack, id);
    }

    long[] recycled = new long[RUNS * 4];
    List<String> recycledIds = new ArrayList<>();
    for (int i = -WARM_UP; i < recycled.length; i++) {
      awaitIdleCopies(stack, uri);
      Timed lease = workingCopy(stack, uri, (i & 1) == 0 ? previous : head, hostLease);
      if (i >= 0) {
        recycled[i] = lease.nanos();
        recycledIds.add(lease.id());
      }
      release(stack, lease.id());
    }

    System.out.printf(
        "%n=== working-copy lease → active, %d files, %d commits, %s (ms) ===%n%-52s %9s %9s %4s%n",
        FILES, COMMITS, what, "", "median", "max", "n");
    if (uri.startsWith("file:")) {
      MedianRow.print("plain git clone + checkout (baseline, no Slipway)", 52, baseline);
    }
    MedianRow.print("(a) lease: fresh clone (new host: mirror + copy)", 52, fresh);
    MedianRow.print("(b) lease: new copy cloned from the host mirror", 52, fromMirror);
    MedianRow.print("(c) lease: idle copy recycled", 52, recycled);
    System.out.println("from lease_history (database clock, no polling):");
    double a =
        MedianRow.print("(a) requested → active", 52, stage(stack, freshIds, "pending", "active"));
    double c =
        MedianRow.print(
            "(c) requested → active", 52, stage(stack, recycledIds, "pending", "active"));
    MedianRow.print(
        "(c)   of which acquired → active (the checkout)",
        52,
        stage(stack, recycledIds, "acquired", "active"));
    System.out.printf("fresh / recycled %.1f×%n%n", a / c);
  }

  /** Nanoseconds between two statuses of each lease, from {@code lease_history}. */
  private static long[] stage(E2eStack stack, List<String> ids, String from, String to)
      throws Exception {
    long[] nanos = new long[ids.size()];
    try (Connection c = stack.sql();
        PreparedStatement q =
            c.prepareStatement(
                "select extract(epoch from (b.at - a.at)) * 1e9 from lease_history a"
                    + " join lease_history b on a.lease_id = b.lease_id"
                    + " where a.lease_id = ? and a.status = ? and b.status = ?")) {
      for (int i = 0; i < ids.size(); i++) {
        q.setString(1, ids.get(i));
        q.setString(2, from);
        q.setString(3, to);
        try (ResultSet rs = q.executeQuery()) {
          rs.next();
          nanos[i] = (long) rs.getDouble(1);
        }
      }
    }
    return nanos;
  }

  /** A host lease on a new host that has never seen the repository. */
  private static String hostLease(E2eStack stack) throws Exception {
    HostWithHome host = stack.sshHostWithHome();
    String pool = stack.register(host.ssh(), 1);
    SlipwayClient.Reply reply =
        stack.api.post("api/v1/leases", Map.of("type", "host", "attributes", Map.of("pool", pool)));
    String id = reply.json().get("id").asText();
    awaitStatus(stack, id);
    return id;
  }

  private record Timed(String id, long nanos) {}

  /** Asks for a working copy at {@code ref}; returns once it is active, with how long it took. */
  private static Timed workingCopy(E2eStack stack, String uri, String ref, String hostLease)
      throws Exception {
    long start = System.nanoTime();
    SlipwayClient.Reply reply =
        stack.api.post(
            "api/v1/leases",
            Map.of("type", "working-copy", "repository", uri, "ref", ref, "hostLease", hostLease));
    String id = reply.json().get("id").asText();
    JsonNode lease = awaitStatus(stack, id); // polled every 10 ms: up to 10 ms late
    long nanos = System.nanoTime() - start;
    assertEquals(ref, lease.get("commit").asText(), lease.toString());
    return new Timed(id, nanos);
  }

  private static JsonNode awaitStatus(E2eStack stack, String id) throws Exception {
    long deadline = System.nanoTime() + 300_000_000_000L;
    while (System.nanoTime() < deadline) {
      JsonNode lease = stack.api.lease(id);
      String status = lease.get("status").asText();
      if (status.equals("active")) {
        return lease;
      }
      if (!status.equals("pending") && !status.equals("acquired")) {
        throw new AssertionError("lease " + id + " ended " + lease);
      }
      LockSupport.parkNanos(10_000_000);
    }
    throw new AssertionError("lease " + id + " not active within 5 minutes");
  }

  private static void release(E2eStack stack, String id) throws Exception {
    assertEquals(202, stack.api.post("api/v1/leases/" + id + "/release", Map.of()).status());
  }

  /** Waits until every copy of the repository is clean and idle again. */
  private static void awaitIdleCopies(E2eStack stack, String uri) throws Exception {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < deadline) {
      boolean busy = false;
      for (JsonNode copy : stack.api.resources("working-copy", Map.of("repository", uri))) {
        busy |= copy.get("leasesHeld").asInt() > 0;
      }
      if (!busy) {
        return;
      }
      LockSupport.parkNanos(10_000_000);
    }
    throw new AssertionError("copies of " + uri + " not idle within 2 minutes");
  }
}
