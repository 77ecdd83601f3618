package dev.slipway.local;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.slipway.local.LeaseLatencyBenchmark.EventWatcher;
import dev.slipway.local.LeaseLatencyBenchmark.Timed;
import dev.slipway.stack.OpenSshHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Lease request → active through the whole system (REST, coordinator, Kafka, allocator worker,
 * Kafka) for hosts of script-host blueprints whose hosts are OpenSSH servers started by {@code
 * deploy/blueprints/sshd-process}, three ways in one run: (a) each lease on a host made for it
 * (idleTtl 0: destroyed after each lease, so the next one makes another), with the provision
 * script's own run time (timed inside the script) and the rest, Slipway's part: allocation, running
 * the script, reaching the new host over SSH (pinned key, probe) and activating the lease; (b) a
 * warm pool (minIdle 1, idleTtl 1h): a ready host with no lease; (c) a static host registered by an
 * operator. Leases are asked one at a time, each after the previous one is released. Prints
 * figures; asserts nothing about time. Run it with
 *
 * <pre>
 * ./mvnw -B -o verify -pl deploy/local -am -Dit.test=DynamicHostBenchmark -Dtest=none \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false
 *     # -Dbench.hosts=N (50), -Dbench.leases=N (200), -Dbench.warmup=N (20)
 * </pre>
 */
class DynamicHostBenchmark {

  /** Fresh hosts made and measured in (a). */
  private static final int HOSTS = Integer.getInteger("bench.hosts", 50);

  /** Leases measured in (b) and (c) each. */
  private static final int LEASES = Integer.getInteger("bench.leases", 200);

  /** Leases (hosts in (a)) served before those measured, in each of the three. */
  private static final int WARM_UP = Integer.getInteger("bench.warmup", 20);

  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void freshHostWarmPoolAndStaticHost() throws Exception {
    assumeTrue(OpenSshHost.available(), OpenSshHost.UNAVAILABLE);
    E2eStack stack = E2eStack.get();
    SshdBlueprints sshd = SshdBlueprints.create(stack);
    Path times = Files.createTempDirectory(stack.work, "provision-times");

    String freshPool = E2eStack.newPool();
    Map<String, Object> fresh = sshd.config(freshPool);
    fresh.put("provision", timedProvision(sshd, times));
    String freshBlueprint = sshd.add("bench-fresh-" + freshPool, fresh);

    String warmPool = E2eStack.newPool();
    Map<String, Object> warm = sshd.config(warmPool);
    warm.put("minIdle", 1);
    warm.put("idleTtl", "1h");
    String warmBlueprint = sshd.add("bench-warm-" + warmPool, warm);

    String staticPool = stack.register(stack.sshHost(), 1);

    Arrivals<Long> activeAt = new Arrivals<>();
    try (EventWatcher watcher = new EventWatcher(stack, activeAt)) {
      watcher.start();
      int warmUpHosts = Math.min(WARM_UP, 3);
      long[] total = new long[HOSTS];
      long[] provision = new long[HOSTS];
      long[] overhead = new long[HOSTS];
      for (int i = -warmUpHosts; i < HOSTS; i++) {
        Timed lease = lease(stack, freshPool, activeAt);
        String host = stack.api.lease(lease.id()).get("resourceId").asText();
        await().atMost(WAIT).until(() -> "destroyed".equals(sshd.column(host, "status")));
        if (i >= 0) {
          long script = Long.parseLong(Files.readString(times.resolve(host)).strip());
          total[i] = lease.nanos();
          provision[i] = script;
          overhead[i] = lease.nanos() - script;
        }
      }
      await()
          .atMost(WAIT)
          .until(
              () ->
                  stack
                          .sqlColumn(
                              "select id from resources where blueprint_id = ? and status = 'active'"
                                  + " and leases_held = 0",
                              warmBlueprint)
                          .size()
                      == 1);
      long[] warmPoolLeases = leases(stack, warmPool, activeAt);
      long[] staticLeases = leases(stack, staticPool, activeAt);

      System.out.println("\n=== Slipway dynamic hosts: lease request → active (ms) ===");
      System.out.println(LeaseLatencyBenchmark.header());
      LeaseLatencyBenchmark.print("(a) fresh host: request → active", total);
      LeaseLatencyBenchmark.print("(a) of which the provision script's own run", provision);
      LeaseLatencyBenchmark.print(
          "(a) the rest: Slipway (allocate, SSH ready, activate)", overhead);
      LeaseLatencyBenchmark.print("(b) warm pool (minIdle 1): request → active", warmPoolLeases);
      LeaseLatencyBenchmark.print("(c) static host: request → active", staticLeases);
    } finally {
      sshd.disable(freshBlueprint);
      sshd.disable(warmBlueprint);
      for (String blueprint : List.of(freshBlueprint, warmBlueprint)) {
        await().atMost(WAIT).until(() -> sshd.alive(blueprint).isEmpty());
      }
    }
  }

  /**
   * The example's provision, timed inside the script: it writes its own run time in nanoseconds to
   * a file named by the host's id in {@code times}.
   */
  private static String timedProvision(SshdBlueprints sshd, Path times) {
    return "#!/bin/sh\n"
        + sshd.environment()
        + "t0=$(date +%s%N)\n"
        + SshdBlueprints.SCRIPTS.resolve("provision")
        + "\nrc=$?\n"
        + "t1=$(date +%s%N)\n"
        + "echo $((t1 - t0)) > '"
        + times
        + "'/\"$SLIPWAY_RESOURCE_ID\"\n"
        + "exit $rc\n";
  }

  /** {@link #WARM_UP} leases of {@code pool}, then {@link #LEASES} measured, one at a time. */
  private static long[] leases(E2eStack stack, String pool, Arrivals<Long> activeAt)
      throws Exception {
    long[] samples = new long[LEASES];
    for (int i = -WARM_UP; i < LEASES; i++) {
      long nanos = lease(stack, pool, activeAt).nanos();
      if (i >= 0) {
        samples[i] = nanos;
      }
    }
    return samples;
  }

  /** One lease of {@code pool}, timed, released, and waited for until it is released. */
  private static Timed lease(E2eStack stack, String pool, Arrivals<Long> activeAt)
      throws Exception {
    Timed lease = LeaseLatencyBenchmark.timedLease(stack, pool, activeAt, null);
    await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(10))
        .until(() -> "released".equals(stack.api.lease(lease.id()).get("status").asText()));
    return lease;
  }
}
