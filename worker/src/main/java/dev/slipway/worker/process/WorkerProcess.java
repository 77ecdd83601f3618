package dev.slipway.worker.process;

import java.lang.management.ManagementFactory;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * This worker process: the one id its runner and allocator roles name themselves by in the database
 * (who follows a command, who holds a working-copy claim), and its pools of daemon threads. A
 * static value rather than a bean field: a field read through a CDI client proxy is the proxy's
 * own, not the bean's.
 */
public final class WorkerProcess {

  /** {@code pid@host} and the time it started: no other worker, running or past, has it. */
  public static final String ID =
      ManagementFactory.getRuntimeMXBean().getName() + "-" + Long.toHexString(System.nanoTime());

  private WorkerProcess() {}

  /** A pool of daemon threads named {@code name}, made as work comes and kept a while idle. */
  public static ExecutorService daemonThreads(String name) {
    return Executors.newCachedThreadPool(
        r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        });
  }
}
