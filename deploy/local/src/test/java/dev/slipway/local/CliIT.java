package dev.slipway.local;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.slipway.local.Cli.Finished;
import dev.slipway.local.Cli.Running;
import dev.slipway.stack.SshTestHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code slipway} command line as a user runs it: its own JVM against the real coordinator and
 * worker, a real SSH host; Ctrl-C is a SIGTERM ({@link Process#destroy()}), which runs the same
 * shutdown hook as SIGINT. Each child has a home of its own (no saved login) and, unless a test
 * says otherwise, the stack's admin token in {@code SLIPWAY_TOKEN}.
 */
class CliIT {

  static E2eStack stack;
  static SshTestHost host;
  static Path keyFile;

  private Cli cli;
  private Path home;

  @BeforeAll
  static void start() throws Exception {
    stack = E2eStack.get();
    host = stack.sshHost();
    keyFile = Files.createTempFile(stack.work, "client-key", ".pem");
    Files.writeString(keyFile, host.clientPrivateKeyPem());
  }

  @BeforeEach
  void home() throws IOException {
    cli = new Cli(stack);
    home = cli.home;
  }

  @AfterEach
  void stopCli() {
    cli.close();
  }

  @Test
  void heldLeaseIsActiveAndReleasedOnCtrlC() throws Exception {
    String pool = "cli-" + UUID.randomUUID().toString().substring(0, 8);
    Finished added =
        run(
            "host",
            "add",
            "--name",
            "host-" + pool,
            "--address",
            host.address(),
            "--port",
            String.valueOf(host.port()),
            "--user",
            host.user(),
            "--key-file",
            keyFile.toString(),
            "--platform",
            "linux",
            "--attr",
            "pool=" + pool);
    assertEquals(0, added.code(), added.output());
    Matcher id = Pattern.compile("(?m)^id:\\s+(\\S+)$").matcher(added.output());
    assertTrue(id.find() && added.output().startsWith("id:"), added.output());
    JsonNode registered = stack.api.get("api/v1/hosts/" + id.group(1)).ok();
    assertEquals(pool, registered.get("attributes").get("pool").asText());

    Running hold = start("lease", "acquire", "--type", "host", "--attr", "pool=" + pool, "--hold");
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> hold.output().contains("holding lease") || !hold.process().isAlive());
    Matcher held = Pattern.compile("holding lease (\\S+);").matcher(hold.output());
    assertTrue(held.find(), hold.output());
    String lease = held.group(1);
    JsonNode active = stack.api.get("api/v1/leases/" + lease).ok();
    assertEquals("active", active.get("status").asText(), active.toString());
    assertEquals(id.group(1), active.get("resourceId").asText(), active.toString());

    hold.process().destroy();

    assertTrue(hold.process().waitFor(20, TimeUnit.SECONDS), hold.output());
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertEquals(
                    "released",
                    stack.api.get("api/v1/leases/" + lease).ok().get("status").asText()));
    assertEquals(0, hold.process().exitValue(), hold.output());
    assertTrue(hold.output().contains("released " + lease), hold.output());
  }

  @Test
  void aLeaseGroupIsAskedForGrantedShownAndReleasedMemberByMember() throws Exception {
    String first = stack.register(stack.sshHost(), 1);
    String second = E2eStack.newPool();
    SshTestHost secondHost = stack.sshHost();
    String pinned =
        stack.registerHost(
            secondHost,
            secondHost.clientPrivateKeyPem(),
            "host-" + second,
            "linux",
            Map.of("pool", second),
            1);
    String owner = "cli-group-" + UUID.randomUUID().toString().substring(0, 8);

    Finished requested =
        run(
            "--json",
            "lease",
            "group",
            "request",
            "--member",
            "pool=" + first + ",platform=linux",
            "--member",
            "pool=" + second,
            "--resource",
            pinned,
            "--owner",
            owner,
            "--wait-timeout",
            "2m");

    assertEquals(0, requested.code(), requested.output());
    JsonNode group = new ObjectMapper().readTree(requested.output());
    String id = group.get("id").asText();
    assertEquals(owner, group.get("owner").asText(), group.toString());
    assertEquals("linux", group.get("members").get(0).get("attributes").get("platform").asText());
    assertEquals(pinned, group.get("members").get(1).get("pinnedResourceId").asText());
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              JsonNode now = stack.api.get("api/v1/lease-groups/" + id).ok();
              boolean ready = "granted".equals(now.get("status").asText());
              for (JsonNode member : now.get("members")) {
                ready &= "active".equals(member.get("status").asText());
              }
              return ready;
            });

    Finished shown = run("lease", "group", "show", id);
    assertEquals(0, shown.code(), shown.output());
    assertTrue(shown.output().startsWith("id:"), shown.output());
    assertTrue(
        Pattern.compile("(?m)^status:\\s+granted$").matcher(shown.output()).find(), shown.output());
    String pinnedLease = group.get("leases").get(1).asText();
    assertTrue(
        Pattern.compile(
                "(?m)^"
                    + Pattern.quote(pinnedLease)
                    + "\\s+host\\s+active\\s+"
                    + Pattern.quote(pinned)
                    + "\\s")
            .matcher(shown.output())
            .find(),
        shown.output());
    for (JsonNode lease : group.get("leases")) {
      Finished released = run("lease", "release", lease.asText());
      assertEquals(0, released.code(), released.output());
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () ->
                  assertEquals("released", stack.api.lease(lease.asText()).get("status").asText()));
    }
  }

  @Test
  void logsFollowShowsALineWhileTheCommandStillRuns() throws Exception {
    String pool = stack.register(stack.sshHost(), 1);
    String build =
        stack.api.submitBuild(stack.plan(pool, "echo first-line; sleep 6; echo last-line"));
    Running follow = start("logs", "-f", build);
    await().atMost(Duration.ofSeconds(30)).until(() -> follow.output().contains("first-line"));
    assertEquals("running", stack.api.build(build).get("status").asText());
    assertFalse(follow.output().contains("last-line"), follow.output());
    assertTrue(
        follow.process().waitFor(60, TimeUnit.SECONDS), "logs -f did not end with its build");
    assertEquals(0, follow.process().exitValue(), follow.output());
    assertTrue(follow.output().contains("last-line"), follow.output());
    assertTrue(follow.output().contains("=== build passed"), follow.output());
  }

  @Test
  void attributeWithoutValueIsAUsageErrorNamingTheOption() throws Exception {
    Finished bad = run("lease", "acquire", "--type", "host", "--attr", "nokey");

    assertEquals(2, bad.code(), bad.output());
    assertTrue(bad.output().contains("--attr"), bad.output());
    assertTrue(bad.output().contains("nokey"), bad.output());
  }

  @Test
  void unknownHostExitsOneWithTheApisMessage() throws Exception {
    String message = stack.api.get("api/v1/hosts/no-such-host").json().get("message").asText();

    Finished show = run("host", "show", "no-such-host");

    assertEquals(1, show.code(), show.output());
    assertEquals("slipway: " + message, show.output().strip());
  }

  @Test
  void withoutATokenTheCommandIsNotAuthenticatedAndExitsOne() throws Exception {
    Finished list = run(Map.of(), "host", "list");

    assertEquals(1, list.code(), list.output());
    assertTrue(list.output().startsWith("slipway: not authenticated: "), list.output());
    assertTrue(
        list.output()
            .strip()
            .endsWith(
                "give a token with --token-file, SLIPWAY_TOKEN, SLIPWAY_TOKEN_FILE or 'slipway login'"),
        list.output());
  }

  @Test
  void viewerTokenMayListHostsButNotAddOne() throws Exception {
    String name = "viewer-" + UUID.randomUUID().toString().substring(0, 8);
    Finished created = run("token", "create", "--name", name, "--role", "viewer");
    assertEquals(0, created.code(), created.output());
    Matcher secret = Pattern.compile("(?m)^(slw_[A-Za-z0-9_-]{43})$").matcher(created.output());
    assertTrue(secret.find(), created.output());
    assertTrue(created.output().contains("will not be shown again"), created.output());
    Map<String, String> viewer = Map.of("SLIPWAY_TOKEN", secret.group(1));

    Finished list = run(viewer, "host", "list");
    assertEquals(0, list.code(), list.output());
    assertTrue(list.output().startsWith("ID "), list.output());

    Finished add =
        run(
            viewer,
            "host",
            "add",
            "--name",
            name,
            "--address",
            host.address(),
            "--user",
            host.user(),
            "--key-file",
            keyFile.toString(),
            "--platform",
            "linux");
    assertEquals(1, add.code(), add.output());
    assertTrue(add.output().startsWith("slipway: not allowed: "), add.output());

    Finished tokens = run("token", "list");
    assertEquals(0, tokens.code(), tokens.output());
    assertTrue(tokens.output().contains(name), tokens.output());
    assertFalse(tokens.output().contains(secret.group(1)), "a listed token shows no secret");
  }

  @Test
  void loginWithATokenFileSavesItForTheNextCommands() throws Exception {
    Path tokenFile = home.resolve("admin.token");
    Files.writeString(tokenFile, stack.adminToken + "\n");
    Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));

    Finished login = run(Map.of(), "login", "--token-file", tokenFile.toString());

    assertEquals(0, login.code(), login.output());
    assertTrue(
        Pattern.compile(
                "(?m)^logged in to "
                    + Pattern.quote(stack.services.apiUrl())
                    + " as \\S+ \\(admin\\)$")
            .matcher(login.output())
            .find(),
        login.output());
    Path config = home.resolve(".config/slipway/config");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(config)));
    Finished list = run(Map.of(), "host", "list");
    assertEquals(0, list.code(), list.output());
    assertTrue(list.output().startsWith("ID "), list.output());
  }

  @Test
  void aPlanAppliedFromAFileRunsABuildThatIsFollowedShownListedAndLogged() throws Exception {
    String pool = stack.register(host, 1);
    String plan = "cli-" + pool;
    Path file = home.resolve(plan + ".yaml");
    Files.writeString(
        file,
        """
        steps:
          - {name: buildhost, kind: lease-host, attributes: {pool: %s}}
          - {name: hello, kind: run, on: buildhost, command: echo hello-from-the-cli}
        """
            .formatted(pool));

    Finished applied = run("plan", "apply", file.toString());
    assertEquals(0, applied.code(), applied.output());
    assertEquals("plan " + plan + " saved: version 1 (2 steps)", applied.output().strip());
    Finished listed = run("plan", "list");
    assertTrue(
        Pattern.compile("(?m)^" + plan + "\\s").matcher(listed.output()).find(), listed.output());
    assertEquals(Files.readString(file), run("plan", "show", plan).output());

    Finished followed = run("build", "start", "--plan", plan, "--branch", "main", "--follow");
    assertEquals(0, followed.code(), followed.output());
    assertTrue(followed.output().contains("hello-from-the-cli"), followed.output());
    Matcher started = Pattern.compile("build (\\S+) started").matcher(followed.output());
    assertTrue(started.find(), followed.output());
    String id = started.group(1);

    Finished shown = run("build", "show", id);
    assertEquals(0, shown.code(), shown.output());
    assertTrue(
        Pattern.compile("(?m)^status:\\s+passed$").matcher(shown.output()).find(), shown.output());
    assertTrue(
        Pattern.compile("(?m)^hello\\s+run\\s+passed\\s+0\\s").matcher(shown.output()).find(),
        shown.output());
    Finished builds = run("build", "list", "--plan", plan, "--status", "passed");
    assertTrue(
        Pattern.compile("(?m)^" + Pattern.quote(id) + "\\s+" + plan + "\\s+passed\\s+main\\s")
            .matcher(builds.output())
            .find(),
        builds.output());
    Finished log = run("logs", id);
    assertEquals(0, log.code(), log.output());
    assertTrue(log.output().contains("hello-from-the-cli"), log.output());
  }

  @Test
  void aFollowedBuildThatFailsExitsOne() throws Exception {
    String pool = stack.register(host, 1);
    Path file = home.resolve("failing.yaml");
    Files.writeString(
        file,
        """
        steps:
          - {name: buildhost, kind: lease-host, attributes: {pool: %s}}
          - {name: broken, kind: run, on: buildhost, command: 'echo about-to-fail; exit 3'}
        """
            .formatted(pool));
    String plan = "cli-failing-" + pool;
    assertEquals(0, run("plan", "apply", file.toString(), "--name", plan).code());

    Finished followed = run("build", "start", "--plan", plan, "--follow");

    assertEquals(1, followed.code(), followed.output());
    assertTrue(followed.output().contains("about-to-fail"), followed.output());
    assertTrue(
        Pattern.compile("(?m)^slipway: build \\S+ failed").matcher(followed.output()).find(),
        followed.output());
  }

  private Finished run(String... args) throws Exception {
    return cli.run(args);
  }

  private Finished run(Map<String, String> env, String... args) throws Exception {
    return cli.run(env, args);
  }

  private Running start(String... args) throws IOException {
    return cli.start(args);
  }
}
