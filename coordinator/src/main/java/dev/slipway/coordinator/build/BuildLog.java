package dev.slipway.coordinator.build;

import dev.slipway.common.status.StepStatus;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Writes a build's log, or one step's output, to a stream as it is read from the database, a page
 * of chunks at a time, and follows it while the build runs.
 *
 * <p>The log: each step that has started, introduced by a header line {@code === step NAME (KIND):
 * STATUS[, exit code N]}, then its output (ending with a newline), then {@code --- REASON} when the
 * step has one; at the end {@code === build STATUS[: REASON]}. A plain read shows every step with
 * its status now (pending ones too) and the build's status now. A follow writes only what will not
 * change: a step from when it starts (a step still running when its header is written gets a line
 * {@code --- STATUS[, exit code N]} when it ends), the build line once the build has ended. Once
 * the build has ended, both are the same text.
 */
@ApplicationScoped
public class BuildLog {

  /** How long a follower waits for a wake-up before it looks again (output of other replicas). */
  static final Duration POLL = Duration.ofSeconds(2);

  private static final int PAGE = 100;

  /**
   * What to write: the whole log or one step's output ({@code step} non-null), without its first
   * {@code offset} bytes, and whether to follow it until the build has ended.
   */
  public record Request(String buildId, String step, long offset, boolean follow) {}

  @Inject BuildRepository builds;
  @Inject LogStore logs;
  @Inject LogFollowers followers;

  /**
   * Writes what {@code request} asks for to {@code out}. A follow ends when the build has ended and
   * its output is written, or as soon as {@code gone} says the reader went away.
   */
  public void write(Request request, OutputStream out, BooleanSupplier gone)
      throws IOException, InterruptedException {
    LogOutput output = new LogOutput(out, request.offset());
    try (LogFollowers.Follower follower = followers.follow(request.buildId())) {
      Reader reader = new Reader(request, output, () -> gone.getAsBoolean() || follower.stopped());
      while (!reader.pass(snapshot(request.buildId())) && request.follow()) {
        output.flush();
        follower.await(POLL);
        if (reader.gone.getAsBoolean()) {
          return;
        }
      }
      output.flush();
    }
  }

  /** The build and its steps as they are now; steps in plan order. */
  private record Snapshot(Build build, List<Step> steps) {}

  private Snapshot snapshot(String buildId) {
    return QuarkusTransaction.requiringNew()
        .call(() -> new Snapshot(builds.findById(buildId), builds.steps(buildId)));
  }

  private static boolean ended(Step step) {
    return step.status.next().isEmpty();
  }

  private static String status(Step step) {
    return step.status.wireName() + (step.exitCode == null ? "" : ", exit code " + step.exitCode);
  }

  /** Where one read of the log is: which step, whether its header is written, which chunk. */
  private final class Reader {

    private final Request request;
    private final LogOutput out;
    private final BooleanSupplier gone;
    private int next;
    private boolean headed;
    private boolean headedRunning;
    private long lastChunk;

    Reader(Request request, LogOutput out, BooleanSupplier gone) {
      this.request = request;
      this.out = out;
      this.gone = gone;
    }

    /** Writes what is new since the last pass; true when there is nothing more to write. */
    boolean pass(Snapshot now) throws IOException {
      return request.step() != null ? stepPass(now) : logPass(now, !request.follow());
    }

    private boolean stepPass(Snapshot now) throws IOException {
      Step step =
          now.steps().stream().filter(s -> s.name.equals(request.step())).findFirst().orElseThrow();
      if (step.logId != null) {
        copy(step.logId);
      }
      return ended(step) || now.build().status.isFinal();
    }

    private boolean logPass(Snapshot now, boolean everything) throws IOException {
      for (; next < now.steps().size(); next++) {
        Step step = now.steps().get(next);
        if (!everything && step.status == StepStatus.PENDING) {
          return false;
        }
        if (!headed) {
          out.text("=== step " + step.name + " (" + step.kind + "): " + status(step) + "\n");
          headed = true;
          headedRunning = !ended(step);
        }
        if (step.logId != null) {
          copy(step.logId);
        }
        if (!everything && !ended(step)) {
          return false;
        }
        if (step.logId != null) {
          out.endLine();
        }
        if (headedRunning && ended(step)) {
          out.text("--- " + status(step) + "\n");
        }
        if (step.reason != null) {
          out.text("--- " + step.reason + "\n");
        }
        headed = false;
        lastChunk = 0;
      }
      Build build = now.build();
      if (!everything && !build.status.isFinal()) {
        return false;
      }
      out.text(
          "=== build "
              + build.status.wireName()
              + (build.reason == null ? "" : ": " + build.reason)
              + "\n");
      return true;
    }

    /** Writes the command's chunks stored after the last one written. */
    private void copy(String commandId) throws IOException {
      List<LogStore.Chunk> page;
      do {
        if (gone.getAsBoolean()) {
          throw new IOException("the reader of the log went away");
        }
        long after = lastChunk;
        page = QuarkusTransaction.requiringNew().call(() -> logs.page(commandId, after, PAGE));
        for (LogStore.Chunk chunk : page) {
          out.text(chunk.text());
          lastChunk = chunk.id();
        }
      } while (page.size() == PAGE);
    }
  }
}
