package dev.slipway.local;

import com.sun.management.GarbageCollectorMXBean;
import com.sun.management.GcInfo;
import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * The heap of another JVM of this machine (a service the stack started), read through its platform
 * MXBeans: the benchmark attaches to the process ({@code com.sun.tools.attach}), starts its local
 * management agent (JMX over a loopback RMI connector, as {@code jconsole} does) and reads its
 * {@link MemoryMXBean}, its collectors and its thread count. Nothing is configured in the service:
 * any HotSpot JVM of the same user accepts this.
 */
final class JvmMemory implements AutoCloseable {

  private final long pid;
  private final JMXConnector connector;
  private final MBeanServerConnection server;
  private final MemoryMXBean memory;
  private final ThreadMXBean threads;
  private final List<GarbageCollectorMXBean> collectors;
  private final Set<String> heapPools;
  private final List<MemoryPoolMXBean> nonHeapPools;

  private JvmMemory(long pid, JMXConnector connector) throws IOException {
    this.pid = pid;
    this.connector = connector;
    server = connector.getMBeanServerConnection();
    memory =
        ManagementFactory.newPlatformMXBeanProxy(
            server, ManagementFactory.MEMORY_MXBEAN_NAME, MemoryMXBean.class);
    threads =
        ManagementFactory.newPlatformMXBeanProxy(
            server, ManagementFactory.THREAD_MXBEAN_NAME, ThreadMXBean.class);
    collectors = ManagementFactory.getPlatformMXBeans(server, GarbageCollectorMXBean.class);
    List<MemoryPoolMXBean> pools =
        ManagementFactory.getPlatformMXBeans(server, MemoryPoolMXBean.class);
    heapPools =
        pools.stream()
            .filter(p -> p.getType() == MemoryType.HEAP)
            .map(MemoryPoolMXBean::getName)
            .collect(Collectors.toSet());
    nonHeapPools = pools.stream().filter(p -> p.getType() == MemoryType.NON_HEAP).toList();
  }

  /** Attaches to JVM {@code pid} and connects to its platform MXBeans. */
  static JvmMemory attach(long pid) throws Exception {
    VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
    String address;
    try {
      address = vm.startLocalManagementAgent();
    } finally {
      vm.detach();
    }
    return new JvmMemory(pid, JMXConnectorFactory.connect(new JMXServiceURL(address)));
  }

  long pid() {
    return pid;
  }

  /**
   * Heap in use right after a full collection, in bytes: {@code System.gc()} in the JVM (a full,
   * stop-the-world collection with G1 unless {@code -XX:+ExplicitGCInvokesConcurrent}), twice, so
   * that what the first one found only reachable from finalizers and cleaners is gone too.
   */
  long usedAfterFullGc() {
    memory.gc();
    memory.gc();
    return memory.getHeapMemoryUsage().getUsed();
  }

  /** Heap in use now (live objects and garbage not yet collected), and committed. */
  MemoryUsage heap() {
    return memory.getHeapMemoryUsage();
  }

  /** Metaspace in use, in bytes (classes: grows if classes are made and never unloaded). */
  long metaspace() {
    return nonHeapPools.stream()
        .filter(p -> p.getName().equals("Metaspace"))
        .mapToLong(p -> p.getUsage().getUsed())
        .sum();
  }

  int threads() {
    return threads.getThreadCount();
  }

  /** Names of the JVM's collectors, e.g. {@code [G1 Young Generation, G1 Old Generation]}. */
  List<String> collectorNames() {
    return collectors.stream().map(GarbageCollectorMXBean::getName).toList();
  }

  /**
   * The last collection of each collector: its id (count) and the heap in use right after it (the
   * heap pools' usage after it, summed); what a sampler reads to see live data grow between forced
   * collections without forcing one.
   */
  Map<String, long[]> lastCollections() {
    Map<String, long[]> last = new HashMap<>();
    for (GarbageCollectorMXBean gc : collectors) {
      GcInfo info = gc.getLastGcInfo();
      if (info != null) {
        long used =
            info.getMemoryUsageAfterGc().entrySet().stream()
                .filter(e -> heapPools.contains(e.getKey()))
                .mapToLong(e -> e.getValue().getUsed())
                .sum();
        last.put(gc.getName(), new long[] {info.getId(), used});
      }
    }
    return last;
  }

  private static final Pattern HISTOGRAM_ROW =
      Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)", Pattern.MULTILINE);

  /**
   * The live objects of the heap by class: instances and bytes, after the full collection that
   * {@code GC.class_histogram} runs first (the DiagnosticCommand MBean, what {@code jcmd <pid>
   * GC.class_histogram} asks for).
   */
  Map<String, long[]> classHistogram() throws Exception {
    String text =
        (String)
            server.invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"),
                "gcClassHistogram",
                new Object[] {new String[0]},
                new String[] {String[].class.getName()});
    Map<String, long[]> classes = new HashMap<>();
    Matcher row = HISTOGRAM_ROW.matcher(text);
    while (row.find()) {
      classes.merge(
          row.group(3),
          new long[] {Long.parseLong(row.group(1)), Long.parseLong(row.group(2))},
          (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
    }
    return classes;
  }

  @Override
  public void close() throws IOException {
    connector.close();
  }

  /**
   * Samples a JVM's heap every {@code periodMillis} on a daemon thread until {@link #finish}: the
   * peak of heap in use (garbage included: it shows how much the JVM had to hold at once, bounded
   * by the heap's maximum) and the largest heap in use right after any collection that ran
   * meanwhile (live data, from the collectors' last-collection records). With {@code
   * fullGcEveryMillis} above 0 it also forces a full collection that often and keeps the largest
   * heap in use right after one: the live data at its peak, at the cost of those collections'
   * pauses in the service.
   */
  static final class Sampler extends Thread {
    private final JvmMemory jvm;
    private final long periodMillis;
    private final long fullGcEveryMillis;
    private final Map<String, Long> seen = new HashMap<>();
    private long lastFullGc;
    private long maxLive;
    private int fullGcs;
    private volatile boolean running = true;
    private long peakUsed;
    private long peakCommitted;
    private long maxAfterGc;
    private int collections;
    private int samples;
    private Exception failure;

    Sampler(JvmMemory jvm, long periodMillis, long fullGcEveryMillis) {
      super("heap-sampler-" + jvm.pid());
      this.jvm = jvm;
      this.periodMillis = periodMillis;
      this.fullGcEveryMillis = fullGcEveryMillis;
      setDaemon(true);
    }

    static Sampler start(JvmMemory jvm, long periodMillis, long fullGcEveryMillis) {
      Sampler s = new Sampler(jvm, periodMillis, fullGcEveryMillis);
      s.start();
      return s;
    }

    @Override
    public void run() {
      synchronized (this) {
        jvm.lastCollections().forEach((name, idUsed) -> seen.put(name, idUsed[0]));
        lastFullGc = System.nanoTime();
      }
      while (running) {
        try {
          if (fullGcEveryMillis > 0
              && System.nanoTime() - lastFullGc >= fullGcEveryMillis * 1_000_000) {
            forceFullGc();
          }
          sample();
          Thread.sleep(periodMillis);
        } catch (InterruptedException e) {
          return;
        } catch (RuntimeException e) {
          failure = e;
          return;
        }
      }
    }

    private synchronized void forceFullGc() {
      sample(); // what was in use before it
      maxLive = Math.max(maxLive, jvm.usedAfterFullGc());
      fullGcs++;
      lastFullGc = System.nanoTime();
      jvm.lastCollections().forEach((name, idUsed) -> seen.put(name, idUsed[0])); // not counted
    }

    private synchronized void sample() {
      MemoryUsage heap = jvm.heap();
      peakUsed = Math.max(peakUsed, heap.getUsed());
      peakCommitted = Math.max(peakCommitted, heap.getCommitted());
      samples++;
      jvm.lastCollections()
          .forEach(
              (name, idUsed) -> {
                Long was = seen.put(name, idUsed[0]);
                if (was == null || was != idUsed[0]) {
                  collections += (int) (idUsed[0] - (was == null ? 0 : was));
                  maxAfterGc = Math.max(maxAfterGc, idUsed[1]);
                }
              });
    }

    /** Stops sampling (after one last sample) and returns what was seen. */
    Peak finish() throws InterruptedException {
      running = false;
      interrupt();
      join(10_000);
      if (failure != null) {
        throw new IllegalStateException("sampling the heap of " + jvm.pid() + " failed", failure);
      }
      synchronized (this) {
        sample(); // the last one, at the end of what was sampled
        return new Peak(
            peakUsed, peakCommitted, maxAfterGc, collections, maxLive, fullGcs, samples);
      }
    }
  }

  /**
   * What a {@link Sampler} saw: peak heap in use and committed, the largest heap in use after a
   * collection the JVM ran itself ({@code 0} if none ran) and how many ran, the largest heap in use
   * after a full collection the sampler forced ({@code 0} if none) and how many, and how many
   * samples were taken.
   */
  record Peak(
      long used,
      long committed,
      long afterGc,
      int collections,
      long live,
      int fullGcs,
      int samples) {}

  /** Mebibytes of {@code bytes}. */
  static double mib(long bytes) {
    return bytes / (1024.0 * 1024);
  }
}
