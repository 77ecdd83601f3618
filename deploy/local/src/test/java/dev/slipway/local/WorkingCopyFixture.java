package dev.slipway.local;

import static dev.slipway.stack.Git.git;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.local.E2eStack.HostWithHome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What the working-copy end-to-end tests share: generated repositories, plans, API leases, and
 * looking at copies through the API, SQL and the host's disk.
 */
final class WorkingCopyFixture {

  /** Prints what the tests check in a run step: HEAD, directory, a file, leftovers; then "end". */
  static final String REPORT =
      "echo \"head=$(git rev-parse HEAD)\"; echo \"pwd=$(pwd -P)\"; echo \"app=$(cat app.txt)\";"
          + " for f in untracked.txt build.log; do if [ -e \"$f\" ]; then echo \"left=$f\"; fi;"
          + " done; echo report-end";

  static final Duration BUILD_TIMEOUT = Duration.ofSeconds(120);
  static final Duration CLEANING = Duration.ofSeconds(30);

  private WorkingCopyFixture() {}

  /** The shared end-to-end stack(). */
  static E2eStack stack() {
    try {
      return E2eStack.get();
    } catch (Exception e) {
      throw new IllegalStateException("the end-to-end stack did not start", e);
    }
  }

  /** An API lease on a host of {@code pool}; returns its id once active. */
  static String hostLease(String pool) throws Exception {
    String id =
        stack()
            .api
            .post("api/v1/leases", Map.of("type", "host", "attributes", Map.of("pool", pool)))
            .json()
            .get("id")
            .asText();
    awaitLease(id, "active");
    return id;
  }

  /** An API working-copy lease of {@code repo} at commit A on the host of {@code hostLease}. */
  static String workingCopyLease(Repository repo, String hostLease) throws Exception {
    return workingCopyLease(repo, Map.of("hostLease", hostLease));
  }

  /** An API working-copy lease of {@code repo} at commit A, with {@code fields} added. */
  static String workingCopyLease(Repository repo, Map<String, Object> fields) throws Exception {
    Map<String, Object> body = new HashMap<>(fields);
    body.put("type", "working-copy");
    body.put("repository", repo.uri());
    body.put("ref", repo.a());
    return stack().api.post("api/v1/leases", body).ok().get("id").asText();
  }

  static void awaitLease(String id, String status) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> stack().api.lease(id).get("status").asText().equals(status));
  }

  // --- repositories

  /** A bare repository on this machine: commit A, then B, on main; {@code *.log} is ignored. */
  record Repository(String uri, String a, String b) {}

  static Repository repository() throws Exception {
    Path dir = Files.createTempDirectory(stack().work, "repo");
    Path src = Files.createDirectory(dir.resolve("src"));
    git(src, "init", "--quiet", "--initial-branch=main");
    Files.writeString(src.resolve(".gitignore"), "*.log\n");
    Files.writeString(src.resolve("app.txt"), "A\n");
    git(src, "add", ".");
    git(src, "commit", "--quiet", "-m", "A");
    String a = git(src, "rev-parse", "HEAD");
    Files.writeString(src.resolve("app.txt"), "B\n");
    git(src, "commit", "--quiet", "-am", "B");
    String b = git(src, "rev-parse", "HEAD");
    // a name of its own, so that copies of different repositories are told apart by name too
    Path bare = dir.resolve(dir.getFileName() + ".git");
    git(dir, "clone", "--quiet", "--bare", src.toString(), bare.toString());
    return new Repository(bare.toString(), a, b);
  }

  /** The checkout on disk is as committed ({@code app.txt} holds {@code app}) and nothing else. */
  static void assertCleanAt(Path dir, String app) throws Exception {
    assertEquals("", git(dir, "--no-optional-locks", "status", "--porcelain", "--ignored"));
    assertEquals(app + "\n", Files.readString(dir.resolve("app.txt")));
  }

  // --- plans and builds

  /**
   * Lease steps: a host of {@code attributes} as {@code buildhost}, a copy on it as {@code src}.
   */
  static String onLeasedHost(String attributes) {
    return """
          - name: buildhost
            kind: lease-host
            attributes: {%s}
          - name: src
            kind: lease-working-copy
            host: buildhost
        """
        .formatted(attributes);
  }

  /** A lease step: a copy as {@code src} on any host of {@code attributes}. */
  static String onAnyHost(String attributes) {
    return """
          - name: src
            kind: lease-working-copy
            attributes: {%s}
        """
        .formatted(attributes);
  }

  /**
   * Saves a plan of {@code leaseSteps}, then {@code command} run as {@code main} in {@code src}.
   */
  static String plan(String leaseSteps, String command) throws Exception {
    String name = "wc-plan-" + UUID.randomUUID().toString().substring(0, 8);
    String run =
        """
          - name: main
            kind: run
            on: src
            command: %s
        """
            .formatted(E2eStack.yamlString(command));
    stack().api.savePlan(name, "steps:\n" + leaseSteps + run);
    return name;
  }

  /** Builds {@code commit} of {@code repo} on main with {@code plan}; the build passes. */
  static String passes(String plan, Repository repo, String commit) throws Exception {
    String build = stack().api.submitBuild(plan, repo.uri(), commit, "main");
    JsonNode finished = stack().api.awaitFinished(build, BUILD_TIMEOUT);
    assertEquals("passed", finished.get("status").asText(), stack().api.log(build));
    return build;
  }

  /** A number of seconds to sleep that no other command on this machine sleeps. */
  static String uniqueSleep() {
    return Long.toString(900_000_000L + (System.nanoTime() % 99_999_999L));
  }

  /** A command that leaves files behind and then sleeps {@code mark} seconds. */
  static String holding(String mark) {
    return "touch junk.txt held.log; echo held-" + mark + "; sleep " + mark;
  }

  /** Submits a build of commit A with a {@link #holding} plan; returns once it sleeps. */
  static String submitHolding(String plan, Repository repo) throws Exception {
    String build = stack().api.submitBuild(plan, repo.uri(), repo.a(), "main");
    await().atMost(BUILD_TIMEOUT).until(() -> stack().api.log(build).contains("\nheld-"));
    return build;
  }

  static JsonNode step(JsonNode build, String name) {
    for (JsonNode step : build.get("steps")) {
      if (step.get("name").asText().equals(name)) {
        return step;
      }
    }
    throw new AssertionError("no step " + name + " in " + build);
  }

  static String leaseOf(String build, String stepName) throws Exception {
    return step(stack().api.build(build), stepName).get("leaseId").asText();
  }

  /** The id of the working copy that the build's {@code src} step leased. */
  static String copyOf(String build) throws Exception {
    return stack().api.lease(leaseOf(build, "src")).get("resourceId").asText();
  }

  /** The output of {@code stepName} in the build's log, once it contains {@code expected}. */
  static String awaitSection(String build, String stepName, String expected) {
    String[] section = new String[1];
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () -> {
              String log = stack().api.log(build);
              int start = log.indexOf("=== step " + stepName + " (");
              if (start < 0) {
                return false;
              }
              int end = log.indexOf("\n=== ", start);
              section[0] = log.substring(start, end < 0 ? log.length() : end);
              return section[0].contains(expected);
            });
    return section[0];
  }

  /** The line of {@code text} that starts with {@code prefix}. */
  static String line(String text, String prefix) {
    return text.lines()
        .filter(l -> l.startsWith(prefix))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no line '" + prefix + "…' in\n" + text));
  }

  /** The {@link #REPORT} of a run step says it ran in {@code dir} at {@code commit}. */
  static void assertRanIn(String output, Path dir, String commit, String app) throws IOException {
    assertTrue(output.contains("head=" + commit + "\n"), output);
    assertTrue(output.contains("pwd=" + dir.toRealPath() + "\n"), output);
    assertTrue(output.contains("app=" + app + "\n"), output);
  }

  // --- working copies

  /** Registers {@code host} with a blueprint of its own that allows {@code maxCopies}; its pool. */
  static String registerWithCopyBudget(HostWithHome host, int maxCopies, int slots)
      throws Exception {
    String pool = E2eStack.newPool();
    stack()
        .registerWithCopyBudget(host.ssh(), "host-" + pool, Map.of("pool", pool), slots, maxCopies);
    return pool;
  }

  /** The working copies of {@code repo} that are not destroyed. */
  static List<JsonNode> copies(Repository repo) throws Exception {
    List<JsonNode> copies = new ArrayList<>();
    stack().api.resources("working-copy", Map.of("repository", repo.uri())).forEach(copies::add);
    return copies;
  }

  /** Waits until copy {@code id} of {@code repo} is clean and back in the pool; returns it. */
  static JsonNode awaitIdle(Repository repo, String id) {
    JsonNode[] copy = new JsonNode[1];
    await()
        .atMost(CLEANING)
        .until(
            () -> {
              copy[0] =
                  copies(repo).stream()
                      .filter(c -> c.get("id").asText().equals(id))
                      .findFirst()
                      .orElse(null);
              return copy[0] != null
                  && copy[0].get("status").asText().equals("active")
                  && copy[0].get("leasesHeld").asInt() == 0;
            });
    assertEquals("working-copy", copy[0].get("type").asText(), copy[0].toString());
    assertEquals(repo.uri(), copy[0].get("attributes").get("repository").asText());
    return copy[0];
  }

  static String path(JsonNode copy) {
    return copy.get("path").asText();
  }

  /** Where {@code copy} is on disk: its path is relative to the host's home unless absolute. */
  static Path dirOf(HostWithHome host, JsonNode copy) {
    return host.home().resolve(path(copy));
  }

  static String status(String resourceId) throws Exception {
    List<String> status =
        stack().sqlColumn("select status from resources where id = ?", resourceId);
    assertEquals(1, status.size(), "resource " + resourceId);
    return status.get(0);
  }

  /** The statuses the resource went through, oldest first. */
  static List<String> history(String resourceId) throws Exception {
    return stack()
        .sqlColumn(
            "select status from resource_history where resource_id = ? order by id", resourceId);
  }
}
