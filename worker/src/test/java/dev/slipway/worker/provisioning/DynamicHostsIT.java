package dev.slipway.worker.provisioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.slipway.common.events.EventCodec;
import dev.slipway.platform.lease.Lease;
import dev.slipway.platform.lease.LeaseRepository;
import dev.slipway.platform.lease.Leases;
import dev.slipway.platform.secrets.CredentialStore;
import dev.slipway.stack.OpenSshHost;
import dev.slipway.stack.Ports;
import dev.slipway.stack.RealServices;
import dev.slipway.stack.SshKeys;
import dev.slipway.stack.SshdProcessBlueprint;
import dev.slipway.worker.hosts.HostDirectory;
import dev.slipway.worker.ssh.ExecResult;
import dev.slipway.worker.ssh.SshConnections;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hosts made on demand by a script-host blueprint whose scripts start real OpenSSH servers ({@code
 * deploy/blueprints/sshd-process}): leases are served through the running worker's allocator (Kafka
 * and PostgreSQL for real), builds' commands reach the new hosts over SSH, and every host made is
 * destroyed again: its sshd process is gone.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
class DynamicHostsIT {

  private static final Path SCRIPTS =
      SshdProcessBlueprint.scriptsIn(Path.of("").toAbsolutePath().getParent());
  private static final Duration WAIT = Duration.ofSeconds(60);

  static KeyPair client;
  static Path state;
  static SshdProcessBlueprint sshd;

  @Inject Leases leases;
  @Inject LeaseRepository leaseRepository;
  @Inject CredentialStore credentials;
  @Inject EntityManager entityManager;
  @Inject HostDirectory hostDirectory;
  @Inject SshConnections ssh;
  @Inject MeterRegistry registry;

  DynamicHostsDb db;
  String pool;
  String credentialId;
  final List<String> blueprints = new ArrayList<>();

  @BeforeAll
  static void keys() throws IOException {
    client = SshKeys.generate();
    state = Files.createTempDirectory("slipway-dynamic-hosts-");
    sshd = new SshdProcessBlueprint(SCRIPTS, state, client);
  }

  @BeforeEach
  void pool() {
    db = new DynamicHostsDb(entityManager, WAIT);
    assumeTrue(OpenSshHost.available(), OpenSshHost.UNAVAILABLE);
    pool = "dyn-" + UUID.randomUUID().toString().substring(0, 8);
    credentialId =
        QuarkusTransaction.requiringNew()
            .call(
                () ->
                    credentials.save(
                        "ssh-private-key", SshKeys.toPem(client, "slipway-dynamic-hosts")));
  }

  /** Every blueprint of the test is disabled, and each host it made must then be destroyed. */
  @AfterEach
  void drain() {
    for (String id : blueprints) {
      db.sql("update blueprints set enabled = false where id = ?1", id);
    }
    for (String id : blueprints) {
      db.await(
          "every host of blueprint " + id + " destroyed after the test",
          () ->
              db.count(
                      "select count(*) from resources where blueprint_id = ?1 and status <> 'destroyed'",
                      id)
                  == 0);
    }
  }

  @Test
  void aHostIsMadeForALeaseRunsItsCommandsAndIsDestroyedAfterRelease() throws Exception {
    String blueprint = blueprint(Map.of());

    String lease = lease();
    db.awaitStatus(lease, "active");
    db.await(
        "its provisioning time recorded (slipway_host_provisioning_seconds)",
        () -> {
          Timer made =
              registry.find("slipway.host.provisioning").tag("blueprint", blueprint).timer();
          return made != null
              && made.count() == 1
              && made.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS) > 0;
        });
    String host = db.hostOf(lease);
    int port = db.port(host);

    assertEquals("hello from a dynamic host", run(host, "echo hello from a dynamic host"));
    assertTrue(Ports.accepting(port), "its sshd answers while leased");

    release(lease);
    db.awaitHost(host, "destroyed");
    assertFalse(Ports.accepting(port), "its sshd process is gone after release (idleTtl 0)");
    assertEquals(
        List.of("pending", "active", "released", "destroyed"),
        db.strings("select status from resource_history where resource_id = ?1 order by id", host));
    assertEquals(
        "idle: its last lease was released",
        db.string(
            "select reason from resource_history where resource_id = ?1 and status = 'released'",
            host),
        "destroyed with its last lease (idleTtl 0), not left for the reaper");
  }

  @Test
  void aHostIdleLessThanIdleTtlServesTheNextLeaseAndIsDestroyedAfter() throws Exception {
    blueprint(Map.of("idleTtl", "5s"));
    String first = lease();
    db.awaitStatus(first, "active");
    String host = db.hostOf(first);
    release(first);
    db.awaitStatus(first, "released");

    String second = lease();
    db.awaitStatus(second, "active");
    assertEquals(host, db.hostOf(second), "the idle host is reused within its idleTtl");
    release(second);
    db.awaitStatus(second, "released");
    Instant released = Instant.now();

    db.awaitHost(host, "destroyed");
    assertTrue(
        Duration.between(released, Instant.now()).toMillis() >= 4000,
        "destroyed only once idle for its idleTtl");
    assertFalse(Ports.accepting(db.port(host)));
  }

  @Test
  void aWarmPoolServesALeaseWithoutProvisioning() throws Exception {
    String blueprint = blueprint(Map.of("minIdle", 1, "idleTtl", "10m"));
    db.await(
        "one warm host ready with no lease",
        () ->
            db.count(
                    "select count(*) from resources where blueprint_id = ?1 and status = 'active'",
                    blueprint)
                == 1);
    String warm =
        db.string(
            "select id from resources where blueprint_id = ?1 and status = 'active'", blueprint);

    String lease = lease();
    db.awaitStatus(lease, "active");
    assertEquals(warm, db.hostOf(lease), "served by the warm host");
    assertEquals(
        "0",
        db.string(
            "select count(*)::text from lease_history where lease_id = ?1 and status = 'acquired'"
                + " and txid <> (select txid from lease_history where lease_id = ?1 and status = 'active')",
            lease),
        "acquired and activated in one transaction: nothing was provisioned for it");
    db.await(
        "another warm host is made to keep minIdle",
        () ->
            db.count(
                    "select count(*) from resources where blueprint_id = ?1 and status = 'active' and leases_held = 0",
                    blueprint)
                == 1);
    release(lease);
  }

  @Test
  void maxResourcesIsNeverExceededAndWaitingLeasesAreServedAsHostsFree() {
    String blueprint = blueprint(Map.of("maxResources", 2, "maxProvisioning", 2));
    List<String> all = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      all.add(lease());
    }
    List<String> done = new ArrayList<>();
    db.await(
        "all 5 leases served in turn",
        () -> {
          for (String lease : all) {
            if (!done.contains(lease) && "active".equals(db.status(lease))) {
              release(lease);
              done.add(lease);
            }
          }
          return done.size() == all.size();
        });
    // from the history: hosts alive at once (made, ready, being destroyed) never above 2
    List<String> moves =
        db.strings(
            "select h.status from resource_history h join resources r on r.id = h.resource_id"
                + " where r.blueprint_id = ?1 and h.status in ('pending', 'destroyed') order by h.id",
            blueprint);
    int alive = 0;
    int most = 0;
    for (String move : moves) {
      alive += move.equals("pending") ? 1 : -1;
      most = Math.max(most, alive);
    }
    assertTrue(most <= 2, "at most 2 hosts alive at once, saw " + most);
    assertTrue(db.count("select count(*) from resources where blueprint_id = ?1", blueprint) >= 2);
  }

  @Test
  void aProvisionThatHangsFailsItsHostAndLeaseAndLeavesNothingRunning() {
    Path marker = state.resolve("hang-" + UUID.randomUUID());
    String blueprint =
        blueprint(
            Map.of(
                "provision",
                "#!/bin/sh\necho $$ > " + marker + "\nexec sleep 300\n",
                "timeouts",
                Map.of("provision", "2s")));

    String lease = lease();
    db.awaitStatus(lease, "broken");
    String reason = db.string("select reason from leases where id = ?1", lease);
    assertTrue(reason.contains("did not finish within 2s"), reason);
    db.await(
        "the failure counted (slipway_host_provisioning_failures_total)",
        () -> {
          Counter failed =
              registry
                  .find("slipway.host.provisioning.failures")
                  .tag("blueprint", blueprint)
                  .counter();
          return failed != null && failed.count() == 1;
        });
    assertEquals(
        null,
        registry.find("slipway.host.provisioning").tag("blueprint", blueprint).timer(),
        "a host never made has no provisioning time");
    String host = db.hostOf(lease);
    db.awaitHost(host, "destroyed");
    assertTrue(
        db.string(
                "select reason from resource_history where resource_id = ?1 and status = 'broken'",
                host)
            .contains("provisioning failed"));
    long pid = Long.parseLong(read(marker).trim());
    assertFalse(
        ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
        "the hung script was killed");
  }

  @Test
  void aProvisionThatPrintsGarbageFailsAndWhatItMadeIsDestroyed() throws Exception {
    blueprint(
        Map.of(
            "provision",
            "#!/bin/sh\n"
                + sshd.environment()
                + SCRIPTS.resolve("provision")
                + " > /dev/null\necho 'this is not JSON'\n"));

    String lease = lease();
    db.awaitStatus(lease, "broken");
    String host = db.hostOf(lease);
    assertTrue(
        db.string("select reason from leases where id = ?1", lease)
            .contains("printed no JSON object"),
        "the reason says what was wrong");
    db.awaitHost(host, "destroyed");
    String token = db.string("select token from resources where id = ?1", host);
    assertFalse(sshdRunningFor(token), "destroy (by token) stopped the sshd provision started");
  }

  @Test
  void aHostWhoseWorkerDiedWhileMakingItIsDestroyedByItsToken() throws Exception {
    String blueprint = blueprint(Map.of());
    String host = "host-" + UUID.randomUUID();
    String token = UUID.randomUUID().toString();
    // what a worker killed right after provision started leaves: the pending row, its claim, and
    // the instance provision was making; the claim goes stale only after that (as it does when
    // the worker dies), or the reaper could destroy by token before provision made anything
    db.sql(
        "insert into resources (id, blueprint_id, type, name, status, attributes, slots, token,"
            + " credential_id, busy_since, busy_by)"
            + " values (?1, ?2, 'host', ?1, 'pending', '{}', 1, ?3, ?4, now(), 'worker-killed')",
        host,
        blueprint,
        token,
        credentialId);
    String printed =
        runScript("provision", Map.of("SLIPWAY_TOKEN", token, "SLIPWAY_RESOURCE_ID", host));
    assertTrue(printed.contains("providerId"), printed);
    assertTrue(sshdRunningFor(token));
    db.sql("update resources set busy_since = now() - interval '1 hour' where id = ?1", host);

    db.awaitHost(host, "destroyed");
    assertFalse(sshdRunningFor(token), "the orphan's sshd is gone");
    assertTrue(
        db.string(
                "select reason from resource_history where resource_id = ?1 and status = 'broken'",
                host)
            .contains("stopped before provision ended"));
  }

  @Test
  void listedInstancesUnknownToSlipwayAreDestroyedOnlyWhenTaggedByThisInstallation()
      throws Exception {
    String tag = tag();
    String ours = UUID.randomUUID().toString();
    String theirs = UUID.randomUUID().toString();
    // counted before the instance exists: the reapers of the earlier tests' (disabled) blueprints
    // list instances too, and one of them may destroy it before this test's blueprint exists
    double strays = reaped("stray-instance-destroyed");
    runScript("provision", Map.of("SLIPWAY_TOKEN", ours, "SLIPWAY_TAG", tag));
    runScript("provision", Map.of("SLIPWAY_TOKEN", theirs, "SLIPWAY_TAG", "slipway-someone-else"));
    assertTrue(sshdRunningFor(ours));
    assertTrue(sshdRunningFor(theirs, "slipway-someone-else"));

    blueprint(Map.of());

    db.await(
        "the unknown instance tagged by this installation destroyed", () -> !sshdRunningFor(ours));
    db.await(
        "the reaper's action counted (slipway_reaper_actions_total)",
        () -> reaped("stray-instance-destroyed") >= strays + 1);
    // one made after that is destroyed by a later round of the reaper, which listed theirs too
    String later = UUID.randomUUID().toString();
    runScript("provision", Map.of("SLIPWAY_TOKEN", later, "SLIPWAY_TAG", tag));
    db.await("a later unknown instance destroyed by a later round", () -> !sshdRunningFor(later));
    assertTrue(
        sshdRunningFor(theirs, "slipway-someone-else"),
        "another installation's instance is left alone");
    runScript("destroy", Map.of("SLIPWAY_TOKEN", theirs, "SLIPWAY_TAG", "slipway-someone-else"));
  }

  @Test
  void aWorkingCopyByHostAttributesHasAHostMadeForItThatEndsWithIt() throws Exception {
    String blueprint = blueprint(Map.of());
    String repository = bareRepository();

    String copy = workingCopy(repository);
    db.awaitStatus(copy, "active");
    String hostLease = db.string("select host_lease_id from leases where id = ?1", copy);
    String host = db.hostOf(hostLease);
    assertEquals(blueprint, db.string("select blueprint_id from resources where id = ?1", host));
    String directory = db.string("select command_directory from leases where id = ?1", copy);
    assertEquals("A", run(host, "cat '" + directory + "/app.txt'"), "checked out on the new host");

    release(copy);
    db.awaitStatus(hostLease, "released");
    db.awaitHost(host, "destroyed");
    assertFalse(
        Ports.accepting(db.port(host)), "its sshd is gone with the working copy (idleTtl 0)");
  }

  @Test
  void aWorkingCopyWhoseHostCannotBeMadeFailsWithTheReasonAndHoldsNothing() throws Exception {
    blueprint(Map.of("provision", "#!/bin/sh\necho 'quota exceeded' >&2\nexit 3\n"));

    String copy = workingCopy(bareRepository());
    db.awaitStatus(copy, "failed");
    String hostLease = db.string("select host_lease_id from leases where id = ?1", copy);
    assertEquals("broken", db.status(hostLease));
    String reason = db.string("select reason from leases where id = ?1", copy);
    assertTrue(reason.contains("its host lease " + hostLease + " is broken"), reason);
    assertTrue(reason.contains("provision failed with exit code 3"), reason);
    assertEquals(
        0,
        db.count(
            "select count(*) from resources r join blueprints b on b.id = r.blueprint_id"
                + " where b.id like ?1 and r.leases_held > 0",
            "dyn-" + pool + "%"),
        "no slot is held");
  }

  // ---- helpers ------------------------------------------------------------------------------

  /** A working-copy lease of {@code repository}'s main branch on a host of this test's pool. */
  private String workingCopy(String repository) {
    return QuarkusTransaction.requiringNew()
        .call(
            () ->
                leases.requestWorkingCopy(
                        new Leases.WorkingCopyRequest(
                            repository, "main", null, Map.of("pool", pool), null),
                        "dynamic-hosts-it",
                        120_000L,
                        null)
                    .id);
  }

  /** A bare repository on this machine (where the example's hosts run) with one commit. */
  private static String bareRepository() throws Exception {
    Path dir = Files.createTempDirectory(state, "repo");
    Path src = Files.createDirectory(dir.resolve("src"));
    git(src, "init", "--quiet", "--initial-branch=main");
    Files.writeString(src.resolve("app.txt"), "A\n");
    git(src, "add", ".");
    git(src, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "A");
    Path bare = dir.resolve("app.git");
    git(dir, "clone", "--quiet", "--bare", src.toString(), bare.toString());
    return bare.toString();
  }

  private static void git(Path dir, String... arguments) throws Exception {
    List<String> command = new ArrayList<>(List.of("git"));
    command.addAll(List.of(arguments));
    Process git = new ProcessBuilder(command).directory(dir.toFile()).inheritIO().start();
    assertTrue(git.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "git hung");
    assertEquals(0, git.exitValue(), String.join(" ", command));
  }

  private String blueprint(Map<String, Object> overrides) {
    String id = "dyn-" + pool + "-" + blueprints.size();
    Map<String, Object> config = sshd.config(credentialId, pool);
    config.putAll(overrides);
    db.scriptHostBlueprint(id, config);
    blueprints.add(id);
    return id;
  }

  /** How often the reapers did {@code action} in this process so far. */
  private double reaped(String action) {
    Counter counter = registry.find("slipway.reaper.actions").tag("action", action).counter();
    return counter == null ? 0 : counter.count();
  }

  /** Runs example script {@code name} directly (as a provider's own tooling would). */
  private String runScript(String name, Map<String, String> variables) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(SCRIPTS.resolve(name).toString());
    builder.environment().put("SLIPWAY_SSHD_STATE", state.toString());
    builder
        .environment()
        .put("SLIPWAY_SSHD_AUTHORIZED_KEY", SshKeys.publicKeyLine(client.getPublic()));
    builder.environment().put("SLIPWAY_TAG", tag());
    builder.environment().put("SLIPWAY_RESOURCE_ID", "none");
    builder.environment().put("SLIPWAY_BLUEPRINT", "none");
    builder.environment().put("SLIPWAY_ATTRIBUTES", "{}");
    builder.environment().put("SLIPWAY_PROVIDER_ID", "");
    builder.environment().putAll(variables);
    // output to a file: a daemon the script starts may keep a pipe open for as long as it runs
    Path output = Files.createTempFile(state, name, ".out");
    builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    builder.redirectOutput(output.toFile());
    builder.redirectError(ProcessBuilder.Redirect.INHERIT);
    Process process = builder.start();
    assertTrue(process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), name + " hung");
    String out = Files.readString(output);
    assertEquals(0, process.exitValue(), name + " failed: " + out);
    return out;
  }

  /** Whether the example's sshd made for {@code token} is running (per its list). */
  private boolean sshdRunningFor(String token) {
    return sshdRunningFor(token, tag());
  }

  private boolean sshdRunningFor(String token, String tag) {
    try {
      String listed = runScript("list", Map.of("SLIPWAY_TAG", tag));
      for (var entry : EventCodec.mapper().readTree(listed)) {
        if (token.equals(entry.path("token").asText())) {
          return true;
        }
      }
      return false;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private String tag() {
    return db.string("select tag from installation");
  }

  private String lease() {
    return QuarkusTransaction.requiringNew()
        .call(
            () ->
                leases.request(
                        "host", Map.of("pool", pool), null, "dynamic-hosts-it", 120_000L, null)
                    .id);
  }

  private void release(String id) {
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              Lease lease = leaseRepository.findById(id);
              leases.requestRelease(lease, "test done");
            });
  }

  private String run(String host, String command) throws Exception {
    HostDirectory.Login login = hostDirectory.login(host);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ExecResult result =
        ssh.exec(login.host(), login.keyPair(), command, Duration.ofSeconds(30), out, out);
    assertEquals(0, result.exitCode(), out.toString(StandardCharsets.UTF_8));
    return out.toString(StandardCharsets.UTF_8).strip();
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
