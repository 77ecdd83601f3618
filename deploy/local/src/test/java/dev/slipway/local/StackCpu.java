package dev.slipway.local;

import java.sql.Connection;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The processes of an {@link E2eStack} whose CPU the benchmarks read (the services, the Kafka
 * broker, every PostgreSQL process, the benchmark's own JVM), and readings of their CPU over a
 * window.
 */
final class StackCpu {

  private StackCpu() {}

  /**
   * A process whose CPU is read: a whole tree (with the children it reaped) or, for this JVM, whose
   * children are the hosts' sshd processes counted on their own, only the process itself.
   */
  record Tracked(ProcessHandle process, boolean tree, boolean jvm) {
    long ticks() {
      return tree ? CpuTime.tree(process) : CpuTime.own(process.pid());
    }
  }

  /**
   * The stack's processes, in the order printed: the coordinator, the workers, the Kafka broker and
   * PostgreSQL (when it runs on this machine). A caller adds its own after them.
   */
  static Map<String, Tracked> services(E2eStack stack) throws Exception {
    Map<String, Tracked> tracked = new LinkedHashMap<>();
    tracked.put(
        "coordinator", new Tracked(stack.services.coordinator().process().toHandle(), true, true));
    for (int i = 0; i < stack.services.workers().size(); i++) {
      ServiceProcess worker = stack.services.workers().get(i);
      tracked.put(
          i == 0 ? "worker" : "worker-" + (i + 1),
          new Tracked(worker.process().toHandle(), true, true));
    }
    tracked.put("kafka broker", new Tracked(stack.broker.process().toHandle(), true, true));
    postmaster(stack).ifPresent(p -> tracked.put("postgresql (all)", new Tracked(p, true, false)));
    return tracked;
  }

  /** This JVM alone (the hosts' sshd processes, its children, are counted on their own). */
  static Tracked self() {
    return new Tracked(ProcessHandle.current(), false, true);
  }

  /**
   * The PostgreSQL server's postmaster, if it runs on this machine: the parent of this connection's
   * backend. Its tree holds every backend, and its reaped children's CPU.
   */
  private static Optional<ProcessHandle> postmaster(E2eStack stack) throws Exception {
    try (Connection c = stack.sql();
        ResultSet rs = c.createStatement().executeQuery("select pg_backend_pid()")) {
      rs.next();
      // asked while the connection is open: its backend ends with it
      return ProcessHandle.of(rs.getLong(1))
          .filter(p -> p.info().command().map(cmd -> cmd.contains("postgres")).orElse(false))
          .flatMap(ProcessHandle::parent);
    }
  }

  /** CPU ticks of every tracked process, the machine's, and the JVMs' by thread name. */
  record Reading(
      Map<String, Long> ticks, long machine, Map<String, Map<String, Long>> threads, long at) {

    static Reading take(Map<String, Tracked> tracked) {
      Map<String, Long> ticks = new LinkedHashMap<>();
      Map<String, Map<String, Long>> threads = new HashMap<>();
      tracked.forEach(
          (name, t) -> {
            ticks.put(name, t.ticks());
            if (t.jvm()) {
              threads.put(name, CpuTime.threads(t.process().pid()));
            }
          });
      return new Reading(ticks, CpuTime.machineBusy(), threads, System.nanoTime());
    }

    /** What was used between {@code earlier} and this reading. */
    Reading minus(Reading earlier) {
      Map<String, Long> ticks = new LinkedHashMap<>();
      this.ticks.forEach((k, v) -> ticks.put(k, v - earlier.ticks.getOrDefault(k, 0L)));
      Map<String, Map<String, Long>> threads = new HashMap<>();
      this.threads.forEach(
          (k, now) -> {
            Map<String, Long> was = earlier.threads.getOrDefault(k, Map.of());
            Map<String, Long> delta = new HashMap<>();
            now.forEach((name, v) -> delta.put(name, v - was.getOrDefault(name, 0L)));
            threads.put(k, delta);
          });
      return new Reading(ticks, machine - earlier.machine, threads, at - earlier.at);
    }

    /** CPU ticks of the tracked processes together. */
    long tracked() {
      return ticks.values().stream().mapToLong(Long::longValue).sum();
    }
  }
}
