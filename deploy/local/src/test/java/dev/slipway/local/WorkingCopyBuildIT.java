package dev.slipway.local;

import static dev.slipway.local.WorkingCopyFixture.*;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
    // asked for with its host lease, and acquired in the transaction that made that one active
    assertEquals(
        stack.sqlColumn(
            "select txid::text from lease_history where lease_id = ? and status = 'active'",
            leaseOf(first, "buildhost")),
        stack.sqlColumn(
            "select txid::text from lease_history where lease_id = ? and status = 'acquired'",
            lease.get("id").asText()));

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

    assertCannotFetch(plan, repo); // no credential
    SlipwayClient.Reply registered = registerDeployKey(repo, key, host.ssh().hostPublicKey());
    assertEquals(201, registered.status(), registered.body());
    assertEquals("ssh-private-key", registered.json().get("credentialKind").asText());
    assertCannotFetch(plan, repo); // the server's host key is not the pinned one
    String serverKey = gitServer.ssh().hostPublicKey();
    SlipwayClient.Reply replaced = registerDeployKey(repo, key, serverKey);
    assertEquals(200, replaced.status(), replaced.body());
    assertEquals(serverKey, replaced.json().get("sshHostKey").asText());

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

  private static void assertCannotFetch(String plan, Repository repo) throws Exception {
    String build = stack.api.submitBuild(plan, repo.uri(), repo.a(), "main");
    JsonNode failed = stack.api.awaitFinished(build, BUILD_TIMEOUT);
    assertEquals("failed", failed.get("status").asText(), failed.toString());
    assertTrue(
        step(failed, "src").get("reason").asText().contains("could not fetch"), failed.toString());
  }

  private static SlipwayClient.Reply registerDeployKey(Repository repo, String key, String hostKey)
      throws Exception {
    return stack.api.post(
        "api/v1/repositories",
        Map.of("uri", repo.uri(), "sshPrivateKey", key, "sshHostKey", hostKey));
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
}
