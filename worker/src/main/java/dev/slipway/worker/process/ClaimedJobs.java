package dev.slipway.worker.process;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.jboss.logging.Logger;

/**
 * Jobs this worker runs on rows it claimed (a lease it prepares, a resource it cleans or makes), at
 * most one per row at a time: a job for a row already being worked on is dropped. {@link #ids} are
 * the rows whose claims the worker must keep renewing. A job that throws is logged; the row's claim
 * then goes stale and the job is taken up again by whoever takes over stale claims.
 */
public final class ClaimedJobs {

  private static final Logger LOG = Logger.getLogger(ClaimedJobs.class);

  private final Set<String> ids = ConcurrentHashMap.newKeySet();
  private final Executor executor;
  private final String what;

  /**
   * @param what what the jobs are, for the log (e.g. {@code working-copy job})
   */
  public ClaimedJobs(Executor executor, String what) {
    this.executor = executor;
    this.what = what;
  }

  /** Runs {@code job} on row {@code id}, unless a job on it is running already. */
  public void submit(String id, Runnable job) {
    if (!ids.add(id)) {
      return; // this worker is already on it
    }
    try {
      executor.execute(this.guarded(id, job));
    } catch (RejectedExecutionException e) {
      ids.remove(id); // stopping: the row's claim goes stale and is taken up elsewhere
    }
  }

  private Runnable guarded(String id, Runnable job) {
    return () -> {
      try {
        job.run();
      } catch (RuntimeException | LinkageError e) {
        LOG.errorf(e, "%s on %s failed; it is taken up again later", what, id);
      } finally {
        ids.remove(id);
      }
    };
  }

  /** The rows being worked on now. */
  public List<String> ids() {
    return List.copyOf(ids);
  }
}
