package dev.slipway.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A 200 MB output on the real system: the step's log is capped (64 MiB) with its marker, and the
 * coordinator (which runs with a 384 MiB heap) does not hold the output in memory: its live heap
 * after the build is about what it was before.
 */
class LogCapIT {

  private static final long OUTPUT = 200L * 1024 * 1024;
  private static final long CAP = 64L * 1024 * 1024;

  @Test
  void a200MegabyteOutputIsCappedWithAMarkerAndTheCoordinatorsHeapDoesNotGrowWithIt()
      throws Exception {
    E2eStack stack = E2eStack.get();
    String pool = stack.register(stack.sshHost(), 1);
    String plan =
        stack.plan(
            pool,
            "yes 'slipway fills the log with this line of sixty-four bytes, again and again.' | head -c "
                + OUTPUT);
    long pid = stack.services.coordinator().process().pid();
    long before = liveHeapKiB(pid);

    String build = stack.api.submitBuild(plan);
    JsonNode finished = stack.api.awaitFinished(build, Duration.ofMinutes(8));
    assertEquals("passed", finished.get("status").asText(), finished.toString());
    assertEquals(pid, stack.services.coordinator().process().pid(), "the coordinator survived");

    long[] logged = streamLog(stack, build); // bytes, and whether the marker came
    assertTrue(logged[1] == 1, "the log says it was truncated");
    assertTrue(
        logged[0] >= CAP && logged[0] < CAP + 1024 * 1024,
        "about 64 MiB are stored, not " + logged[0]);
    long after = liveHeapKiB(pid);
    System.out.printf(
        "coordinator live heap: %d KiB before, %d KiB after a %d MiB output (%d MiB stored)%n",
        before, after, OUTPUT >> 20, logged[0] >> 20);
    assertTrue(
        after - before < 48 * 1024,
        "the coordinator's live heap grew from " + before + " to " + after + " KiB");
  }

  /** The log's size in bytes and 1 if it holds the truncation marker, read as a stream. */
  private static long[] streamLog(E2eStack stack, String build) throws Exception {
    HttpResponse<InputStream> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(stack.services.apiUrl() + "/api/v1/builds/" + build + "/log"))
                    .header("Authorization", "Bearer " + stack.adminToken)
                    .build(),
                HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, response.statusCode());
    long bytes = 0;
    boolean marker = false;
    byte[] tail = new byte[0];
    try (InputStream in = response.body()) {
      byte[] buffer = new byte[1 << 16];
      int n;
      while ((n = in.read(buffer)) > 0) {
        bytes += n;
        byte[] window = new byte[tail.length + n];
        System.arraycopy(tail, 0, window, 0, tail.length);
        System.arraycopy(buffer, 0, window, tail.length, n);
        if (new String(window, StandardCharsets.ISO_8859_1).contains("output truncated after")) {
          marker = true;
        }
        int keep = Math.min(window.length, 64);
        tail = java.util.Arrays.copyOfRange(window, window.length - keep, window.length);
      }
    }
    return new long[] {bytes, marker ? 1 : 0};
  }

  /** The coordinator's heap in use right after a full collection, in KiB (by jcmd). */
  private static long liveHeapKiB(long pid) throws Exception {
    jcmd(pid, "GC.run");
    String info = jcmd(pid, "GC.heap_info");
    Matcher used = Pattern.compile("total \\d+K, used (\\d+)K").matcher(info);
    long sum = 0;
    while (used.find()) {
      sum += Long.parseLong(used.group(1));
    }
    assertTrue(sum > 0, info);
    return sum;
  }

  private static String jcmd(long pid, String command) throws Exception {
    Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
    Path jcmd = java.resolveSibling("jcmd");
    Process p =
        new ProcessBuilder(jcmd.toString(), Long.toString(pid), command)
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    return out;
  }
}
