package dev.slipway.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time that processes of this machine have used, from {@code /proc} (Linux), in clock ticks:
 * what the benchmarks read before and after a window to say how much CPU a unit of work cost each
 * process. A process that is gone reads as 0.
 */
final class CpuTime {

  /** Clock ticks per second ({@code USER_HZ}): 100 on every Linux build that matters here. */
  static final long HZ = 100;

  private CpuTime() {}

  /** Milliseconds of {@code ticks}. */
  static double millis(long ticks) {
    return ticks * 1000.0 / HZ;
  }

  /** A process's own CPU, all its threads: utime + stime. */
  static long own(long pid) {
    long[] f = fields(Path.of("/proc/" + pid + "/stat"));
    return f == null ? 0 : f[0] + f[1];
  }

  /**
   * A process tree's CPU: for the root and each live descendant, its own CPU and that of the
   * children it has reaped (cutime + cstime), so short-lived processes (an sshd session, a login
   * shell, a PostgreSQL backend that ended) count too.
   */
  static long tree(ProcessHandle root) {
    return Stream.concat(Stream.of(root), root.descendants())
        .mapToLong(
            p -> {
              long[] f = fields(Path.of("/proc/" + p.pid() + "/stat"));
              return f == null ? 0 : f[0] + f[1] + f[2] + f[3];
            })
        .sum();
  }

  /**
   * The machine's busy ticks (user, nice, system, irq, softirq, steal; every CPU) from {@code
   * /proc/stat}: everything that ran, the benchmark's processes and anything else.
   */
  static long machineBusy() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long busy = 0;
      for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
        busy += Long.parseLong(f[i]);
      }
      return busy;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /**
   * A process's CPU by thread name, digits folded to {@code #} ("executor-thread-#", "C1
   * CompilerThre"): which of a JVM's thread pools used it. Threads that end before the second
   * reading drop out of a difference.
   */
  static Map<String, Long> threads(long pid) {
    Map<String, Long> byName = new HashMap<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      tasks.forEach(
          task -> {
            Path stat = task.resolve("stat");
            long[] f = fields(stat);
            String name = name(stat);
            if (f != null && name != null) {
              byName.merge(name.replaceAll("\\d+", "#"), f[0] + f[1], Long::sum);
            }
          });
    } catch (IOException e) {
      // gone
    }
    return byName;
  }

  /** utime, stime, cutime, cstime of a {@code stat} file; null if it is gone. */
  private static long[] fields(Path stat) {
    try {
      String text = Files.readString(stat);
      // the name, in parentheses, may hold spaces: fields are counted from its end
      String[] f = text.substring(text.lastIndexOf(')') + 2).split(" ");
      return new long[] {
        Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]), Long.parseLong(f[14])
      };
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static String name(Path stat) {
    try {
      String text = Files.readString(stat);
      return text.substring(text.indexOf('(') + 1, text.lastIndexOf(')'));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
