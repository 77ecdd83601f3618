package dev.slipway.local;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.events.EventTypes;
import dev.slipway.common.events.Topics;
import dev.slipway.local.E2eStack.HostWithHome;
import dev.slipway.stack.TopicReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Builds in working copies (#5) against the real system and the real git: a copy is cloned once and
 * recycled at another commit with nothing of the previous build left; it is reset and cleaned when
 * a build passes, fails or is aborted; a lease by host attributes goes where an idle copy is; a
 * corrupt copy is replaced; a host keeps at most its budget of copies, evicting idle ones by LRU.
 * Each test has its own hosts (a pool of its own) and its own repositories.
 */
class WorkingCopyBuildIT {

  /** Prints what the tests check in a run step: HEAD, directory, a file, leftovers; then "end". */
  static final String REPORT =
      "echo \"head=$(git rev-parse HEAD)\"; echo \"pwd=$(pwd -P)\"; echo \"app=$(cat app.txt)\";"
          + " for f in untracked.txt build.log; do if [ -e \"$f\" ]; then echo \"left=$f\"; fi;"
          + " done; echo report-end";

  static final Duration BUILD_TIMEOUT = Duration.ofSeconds(120);
  static final Duration CLEANING = Duration.ofSeconds(30);

  static E2eStack stack;

  @BeforeAll
  static void start() throws Exception {
    stack = E2eStack.get();
  }

  @Test
  void copyIsClonedOnceThenRecycledAtAnotherCommitWithoutFilesOfThePreviousBuild()
      throws Exception {
    HostWithHome host = stack.sshHostWithHome();
    String pool = stack.register(host.ssh(), 1);
    Repository repo = repository();
    String plan = plan(onLeasedHost("pool: " + pool), REPORT + "; touch untracked.txt build.log");

    String first = passes(plan, repo, repo.a());
    JsonNode copy = awaitIdle(repo, copyOf(first));
    Path dir = dirOf(host, copy);
    assertEquals("host-" + pool, copy.get("attributes").get("host").asText(), copy.toString());
    String checkout = awaitSection(first, "src", "slipway: HEAD " + repo.a());
    assertTrue(
        line(checkout, "slipway: cloning " + repo.uri() + " into ").endsWith(path(copy)), checkout);
    String output = awaitSection(first, "main", "report-end");
    assertRanIn(output, dir, repo.a(), "A");
    assertFalse(output.contains("left="), output);
    JsonNode lease = stack.api.lease(leaseOf(first, "src"));
    assertEquals(repo.uri(), lease.get("repository").asText(), lease.toString());
    assertEquals(repo.a(), lease.get("ref").asText(), lease.toString());
    assertEquals(repo.a(), lease.get("commit").asText(), lease.toString());
    assertEquals(leaseOf(first, "buildhost"), lease.get("hostLease").asText(), lease.toString());

    stack.assertLeasesReleased(first, 2);

    String second = passes(plan, repo, repo.b());
    assertEquals(copy.get("id").asText(), copyOf(second));
    checkout = awaitSection(second, "src", "slipway: HEAD " + repo.b());
    assertTrue(line(checkout, "slipway: recycling ").endsWith(path(copy)), checkout);
    assertFalse(checkout.contains("slipway: cloning"), checkout);
    output = awaitSection(second, "main", "report-end");
    assertRanIn(output, dir, repo.b(), "B");
    assertFalse(output.contains("left="), output);
    assertEquals(repo.b(), stack.api.lease(leaseOf(second, "src")).get("commit").asText());
    awaitIdle(repo, copy.get("id").asText());
    stack.assertLeasesReleased(second, 2);
    assertEquals(1, copies(repo).size(), copies(repo).toString());
  }

  @Test
  void workingCopyIsCleanedWhenBuildFails() throws Exception {
    HostWithHome host = stack.sshHostWithHome();
    String pool = stack.register(host.ssh(), 1);
    Repository repo = repository();
    String plan =
        plan(onLeasedHost("pool: " + pool), "touch junk.txt dirty.log; echo x > app.txt; exit 3");
    String build = stack.api.submitBuild(plan, repo.uri(), repo.a(), "main");

    JsonNode finished = stack.api.awaitFinished(build, BUILD_TIMEOUT);

    assertEquals("failed", finished.get("status").asText(), finished.toString());
    assertEquals(3, step(finished, "main").get("exitCode").asInt(), finished.toString());
    JsonNode copy = awaitIdle(repo, copyOf(build));
    assertCleanAt(dirOf(host, copy), "A");
    stack.assertLeasesReleased(build, 2);
  }

  @Test
  void abortedBuildStopsItsCommandAndItsWorkingCopyIsCleaned() throws Exception {
    HostWithHome host = stack.sshHostWithHome();
    String pool = stack.register(host.ssh(), 1);
    Repository repo = repository();
    String mark = uniqueSleep();
    String build = submitHolding(plan(onLeasedHost("pool: " + pool), holding(mark)), repo);
    assertTrue(E2eStack.processesWith("sleep " + mark) > 0);

    SlipwayClient.Reply reply =
        stack.api.post("api/v1/builds/" + build + "/abort", Map.of("reason", "no longer needed"));

    assertEquals(200, reply.status(), reply.body());
    assertEquals("aborted", reply.json().get("status").asText(), reply.body());
    assertEquals("aborted", step(reply.json(), "main").get("status").asText(), reply.body());
    await().atMost(CLEANING).until(() -> E2eStack.processesWith("sleep " + mark) == 0);
    JsonNode copy = awaitIdle(repo, copyOf(build));
    assertCleanAt(dirOf(host, copy), "A");
    stack.assertLeasesReleased(build, 2);
  }

  @Test
  void leaseByHostAttributesGoesToTheHostWithAnIdleCopyAndReleasesTheHostLeaseItTook()
      throws Exception {
    String pool = E2eStack.newPool();
    HostWithHome first = stack.sshHostWithHome();
    HostWithHome second = stack.sshHostWithHome();
    // registered first, so the first host would win any tie that the idle copy does not break
    stack.registerHost(
        first.ssh(),
        first.ssh().clientPrivateKeyPem(),
        pool + "-1",
        "linux",
        Map.of("pool", pool),
        1);
    String secondId =
        stack.registerHost(
            second.ssh(),
            second.ssh().clientPrivateKeyPem(),
            pool + "-2",
            "linux",
            Map.of("pool", pool, "role", "second"),
            1);
    Repository repo = repository();
    String onSecondPlan = plan(onLeasedHost("pool: " + pool + ", role: second"), REPORT);
    String onSecond = passes(onSecondPlan, repo, repo.a());
    JsonNode copy = awaitIdle(repo, copyOf(onSecond));
    assertEquals(secondId, copy.get("hostId").asText(), copy.toString());

    String build = passes(plan(onAnyHost("pool: " + pool), REPORT), repo, repo.b());

    assertEquals(copy.get("id").asText(), copyOf(build));
    String checkout = awaitSection(build, "src", "slipway: HEAD " + repo.b());
    assertTrue(checkout.contains("slipway: recycling "), checkout);
    assertFalse(checkout.contains("slipway: cloning"), checkout);
    assertRanIn(awaitSection(build, "main", "report-end"), dirOf(second, copy), repo.b(), "B");
    String leaseId = leaseOf(build, "src");
    String hostLeaseId = stack.api.lease(leaseId).get("hostLease").asText();
    assertEquals(secondId, stack.api.lease(hostLeaseId).get("resourceId").asText());
    for (String id : List.of(leaseId, hostLeaseId)) {
      await()
          .atMost(CLEANING)
          .until(() -> stack.api.lease(id).get("status").asText().equals("released"));
    }
    assertEquals(secondId, awaitIdle(repo, copy.get("id").asText()).get("hostId").asText());
    assertEquals(1, copies(repo).size(), copies(repo).toString());
  }

  @Test
  void corruptCopyIsBrokenAndReplacedAndTheBuildStillPasses() throws Exception {
    HostWithHome host = stack.sshHostWithHome();
    String pool = stack.register(host.ssh(), 1);
    Repository repo = repository();
    String plan = plan(onLeasedHost("pool: " + pool), REPORT);
    String corruptId = copyOf(passes(plan, repo, repo.a()));
    Path corruptDir = dirOf(host, awaitIdle(repo, corruptId));
    Files.writeString(corruptDir.resolve(".git/HEAD"), "garbage\n");

    String build = passes(plan, repo, repo.b());

    String freshId = copyOf(build);
    assertNotEquals(corruptId, freshId);
    String checkout = awaitSection(build, "src", "slipway: HEAD " + repo.b());
    assertTrue(checkout.contains("slipway: cloning"), checkout);
    Path freshDir = dirOf(host, awaitIdle(repo, freshId));
    assertRanIn(awaitSection(build, "main", "report-end"), freshDir, repo.b(), "B");
    await().atMost(CLEANING).until(() -> status(corruptId).equals("destroyed"));
    assertTrue(history(corruptId).contains("broken"), history(corruptId).toString());
    await()
        .atMost(CLEANING)
        .until(
            () ->
                TopicReader.readAll(stack.broker.bootstrapServers(), Topics.RESOURCES).stream()
                    .anyMatch(
                        r ->
                            corruptId.equals(r.key())
                                && r.value().contains(EventTypes.RESOURCE_BROKEN)));
    if (!freshDir.equals(corruptDir)) { // the fresh copy may take the corrupt one's directory
      await().atMost(CLEANING).until(() -> !Files.exists(corruptDir));
    }
  }

  @Test
  void aRepositoryDeployKeyIsUsedForTheCheckoutAndNeverShown() throws Exception {
    HostWithHome host = stack.sshHostWithHome();
    String plan = plan(onLeasedHost("pool: " + stack.register(host.ssh(), 1)), REPORT);
    HostWithHome gitServer = stack.sshHostWithHome();
    Repository local = repository();
    Repository repo =
        new Repository(
            "ssh://%s@127.0.0.1:%d%s"
                .formatted(gitServer.ssh().user(), gitServer.ssh().port(), local.uri()),
            local.a(),
            local.b());
    String key = gitServer.ssh().clientPrivateKeyPem();

    String refused = stack.api.submitBuild(plan, repo.uri(), repo.a(), "main");
    JsonNode failed = stack.api.awaitFinished(refused, BUILD_TIMEOUT);
    assertEquals("failed", failed.get("status").asText(), failed.toString());
    assertTrue(
        step(failed, "src").get("reason").asText().contains("could not fetch"), failed.toString());

    SlipwayClient.Reply registered =
        stack.api.post("api/v1/repositories", Map.of("uri", repo.uri(), "sshPrivateKey", key));
    assertEquals(201, registered.status(), registered.body());
    assertEquals("ssh-private-key", registered.json().get("credentialKind").asText());

    String build = passes(plan, repo, repo.a());
    assertRanIn(
        awaitSection(build, "main", "report-end"),
        dirOf(host, awaitIdle(repo, copyOf(build))),
        repo.a(),
        "A");
    List<String> secretLines =
        key.lines().filter(l -> !l.startsWith("-----") && l.length() >= 8).toList();
    List<String> seen = new ArrayList<>();
    seen.add(stack.api.log(build));
    seen.add(stack.api.get("api/v1/repositories").body());
    seen.add(stack.api.get("api/v1/leases?owner=" + build).body());
    seen.add(stack.api.get("api/v1/resources?type=working-copy").body());
    for (String topic :
        List.of(Topics.BUILDS, Topics.LEASES, Topics.RESOURCES, Topics.COMMAND_OUTPUT)) {
      TopicReader.readAll(stack.broker.bootstrapServers(), topic).forEach(r -> seen.add(r.value()));
    }
    for (String text : seen) {
      for (String line : secretLines) {
        assertFalse(text.contains(line), "a line of the deploy key was shown");
      }
    }
    Path credentials = host.home().resolve(".slipway/working-copies/credentials");
    try (var left = Files.list(credentials)) {
      assertEquals(List.of(), left.toList(), "nothing of the key is left on the build host");
    }
  }

  @Test
  void aLeaseWaitingForABusyHostDoesNotHoldUpALeaseForAnotherHost() throws Exception {
    String busy = hostLease(registerWithCopyBudget(stack.sshHostWithHome(), 1, 1));
    String other = hostLease(stack.register(stack.sshHost(), 1));
    Repository repo = repository();
    String held = workingCopyLease(repo, busy);
    awaitLease(held, "active");

    String waiting = workingCopyLease(repo, busy); // the host's only copy is held
    String served = workingCopyLease(repo, other);

    awaitLease(served, "active");
    assertEquals("pending", stack.api.lease(waiting).get("status").asText());
    stack.api.post("api/v1/leases/" + held + "/release", Map.of()).ok();
    awaitLease(waiting, "active");
  }

  @Test
  void aLeaseByAttributesWaitingForAHostSlotIsServedWhenAPlainHostLeaseEnds() throws Exception {
    String pool = stack.register(stack.sshHost(), 1);
    Repository repo = repository();
    String plain = hostLease(pool);
    String waiting = workingCopyLease(repo, Map.of("attributes", Map.of("pool", pool)));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> stack.api.lease(waiting).get("queuePosition").asInt() >= 1);

    stack.api.post("api/v1/leases/" + plain + "/release", Map.of()).ok();

    awaitLease(waiting, "active");
  }

  @Test
  void aWorkingCopyLeaseEndsWithItsHostLeaseOrWhenItsOwnerStopsHeartbeating() throws Exception {
    String pool = stack.register(stack.sshHost(), 2);
    Repository repo = repository();
    String host = hostLease(pool);
    String onHost = workingCopyLease(repo, host);
    awaitLease(onHost, "active");
    stack.api.post("api/v1/leases/" + host + "/release", Map.of()).ok();
    awaitLease(onHost, "released");

    String silent =
        workingCopyLease(
            repo, Map.of("attributes", Map.of("pool", pool), "heartbeatTimeout", "2s"));
    awaitLease(silent, "active");
    String taken = stack.api.lease(silent).get("hostLease").asText();
    awaitLease(silent, "released");
    awaitLease(taken, "released");
    assertTrue(stack.api.lease(silent).get("reason").asText().contains("heartbeat"));
  }

  /** An API lease on a host of {@code pool}; returns its id once active. */
  static String hostLease(String pool) throws Exception {
    String id =
        stack
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
    return stack.api.post("api/v1/leases", body).ok().get("id").asText();
  }

  static void awaitLease(String id, String status) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> stack.api.lease(id).get("status").asText().equals(status));
  }

  @Test
  void removingAHostEndsItsCopies() throws Exception {
    HostWithHome host = stack.sshHostWithHome();
    String pool = stack.register(host.ssh(), 1);
    Repository repo = repository();
    String build = passes(plan(onLeasedHost("pool: " + pool), REPORT), repo, repo.a());
    String copy = awaitIdle(repo, copyOf(build)).get("id").asText();
    String hostId = stack.api.resources("host", Map.of("pool", pool)).get(0).get("id").asText();

    assertEquals(202, stack.api.delete("api/v1/hosts/" + hostId).status());

    await().atMost(CLEANING).until(() -> status(copy).equals("destroyed"));
    assertEquals(List.of(), copies(repo));
  }

  @Test
  void hostKeepsAtMostItsBudgetOfCopiesEvictingTheLeastRecentlyUsedIdleOne() throws Exception {
    HostWithHome host = stack.sshHostWithHome();
    String plan = plan(onLeasedHost("pool: " + registerWithCopyBudget(host, 2, 1)), REPORT);
    List<Repository> repos = List.of(repository(), repository(), repository());
    List<String> ids = new ArrayList<>();
    List<Path> dirs = new ArrayList<>();
    for (Repository repo : repos) {
      String id = copyOf(passes(plan, repo, repo.a()));
      ids.add(id);
      dirs.add(dirOf(host, awaitIdle(repo, id)));
    }

    await().atMost(CLEANING).until(() -> status(ids.get(0)).equals("destroyed"));
    List<String> history = history(ids.get(0));
    assertTrue(
        history.size() >= 2
            && history
                .subList(history.size() - 2, history.size())
                .equals(List.of("released", "destroyed")),
        history.toString());
    await().atMost(CLEANING).until(() -> !Files.exists(dirs.get(0)));
    for (int i = 1; i < 3; i++) {
      assertEquals("active", status(ids.get(i)));
      assertTrue(Files.isDirectory(dirs.get(i).resolve(".git")), dirs.get(i).toString());
    }
  }

  @Test
  void copyInUseIsNeverEvicted() throws Exception {
    HostWithHome host = stack.sshHostWithHome();
    String pool = registerWithCopyBudget(host, 2, 2);
    String plan = plan(onLeasedHost("pool: " + pool), REPORT);
    Repository held = repository();
    Repository idle = repository();
    Repository third = repository();
    // the held copy was returned before the idle one: an LRU that ignored use would evict it
    String heldId = copyOf(passes(plan, held, held.a()));
    Path heldDir = dirOf(host, awaitIdle(held, heldId));
    String idleId = copyOf(passes(plan, idle, idle.a()));
    Path idleDir = dirOf(host, awaitIdle(idle, idleId));
    String mark = uniqueSleep();
    String holding = submitHolding(plan(onLeasedHost("pool: " + pool), holding(mark)), held);
    assertEquals(heldId, copyOf(holding));

    String thirdId = copyOf(passes(plan, third, third.a()));

    await().atMost(CLEANING).until(() -> status(idleId).equals("destroyed"));
    await().atMost(CLEANING).until(() -> !Files.exists(idleDir));
    assertEquals("active", status(heldId));
    assertEquals("active", status(thirdId));
    assertTrue(Files.exists(heldDir.resolve("held.log")), heldDir.toString());
    stack.api.post("api/v1/builds/" + holding + "/abort", Map.of()).ok();
    await().atMost(CLEANING).until(() -> E2eStack.processesWith("sleep " + mark) == 0);
    assertCleanAt(dirOf(host, awaitIdle(held, heldId)), "A");
  }

  // --- repositories

  /** A bare repository on this machine: commit A, then B, on main; {@code *.log} is ignored. */
  record Repository(String uri, String a, String b) {}

  static Repository repository() throws Exception {
    Path dir = Files.createTempDirectory(stack.work, "repo");
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

  /** Runs git in {@code where} on this machine; returns its trimmed output. */
  static String git(Path where, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("git", "-C", where.toString()));
    command.addAll(List.of("-c", "user.name=Slipway Test", "-c", "user.email=test@slipway.dev"));
    command.addAll(List.of("-c", "commit.gpgsign=false"));
    command.addAll(List.of(args));
    Process git = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, git.waitFor(), String.join(" ", command) + "\n" + out);
    return out.trim();
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
    stack.api.savePlan(name, "steps:\n" + leaseSteps + run);
    return name;
  }

  /** Builds {@code commit} of {@code repo} on main with {@code plan}; the build passes. */
  static String passes(String plan, Repository repo, String commit) throws Exception {
    String build = stack.api.submitBuild(plan, repo.uri(), commit, "main");
    JsonNode finished = stack.api.awaitFinished(build, BUILD_TIMEOUT);
    assertEquals("passed", finished.get("status").asText(), stack.api.log(build));
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
    String build = stack.api.submitBuild(plan, repo.uri(), repo.a(), "main");
    await().atMost(BUILD_TIMEOUT).until(() -> stack.api.log(build).contains("\nheld-"));
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
    return step(stack.api.build(build), stepName).get("leaseId").asText();
  }

  /** The id of the working copy that the build's {@code src} step leased. */
  static String copyOf(String build) throws Exception {
    return stack.api.lease(leaseOf(build, "src")).get("resourceId").asText();
  }

  /** The output of {@code stepName} in the build's log, once it contains {@code expected}. */
  static String awaitSection(String build, String stepName, String expected) {
    String[] section = new String[1];
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () -> {
              String log = stack.api.log(build);
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
    stack.registerWithCopyBudget(
        host.ssh(), "host-" + pool, Map.of("pool", pool), slots, maxCopies);
    return pool;
  }

  /** The working copies of {@code repo} that are not destroyed. */
  static List<JsonNode> copies(Repository repo) throws Exception {
    List<JsonNode> copies = new ArrayList<>();
    stack.api.resources("working-copy", Map.of("repository", repo.uri())).forEach(copies::add);
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
    List<String> status = stack.sqlColumn("select status from resources where id = ?", resourceId);
    assertEquals(1, status.size(), "resource " + resourceId);
    return status.get(0);
  }

  /** The statuses the resource went through, oldest first. */
  static List<String> history(String resourceId) throws Exception {
    return stack.sqlColumn(
        "select status from resource_history where resource_id = ? order by id", resourceId);
  }
}
