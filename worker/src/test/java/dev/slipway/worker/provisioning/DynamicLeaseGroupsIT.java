package dev.slipway.worker.provisioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.slipway.platform.lease.LeaseGroups;
import dev.slipway.platform.lease.LeaseRepository;
import dev.slipway.platform.lease.Leases;
import dev.slipway.platform.secrets.CredentialStore;
import dev.slipway.stack.OpenSshHost;
import dev.slipway.stack.Ports;
import dev.slipway.stack.RealServices;
import dev.slipway.stack.SshKeys;
import dev.slipway.stack.SshdProcessBlueprint;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Lease groups with a member only a script-host blueprint can serve, through the running worker's
 * allocator (Kafka and PostgreSQL for real), the dynamic hosts being real OpenSSH servers started
 * by {@code deploy/blueprints/sshd-process}. Member 0 asks for a static host of one slot (a
 * registered row, never connected to), member 1 for what only the blueprint's hosts offer.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
class DynamicLeaseGroupsIT {

  private static final Path SCRIPTS =
      SshdProcessBlueprint.scriptsIn(Path.of("").toAbsolutePath().getParent());
  private static final Duration WAIT = Duration.ofSeconds(90);

  static KeyPair client;
  static Path state;
  static SshdProcessBlueprint sshd;

  @Inject Leases leases;
  @Inject LeaseGroups leaseGroups;
  @Inject LeaseRepository leaseRepository;
  @Inject CredentialStore credentials;
  @Inject EntityManager entityManager;

  DynamicHostsDb db;
  String pool;
  String credentialId;
  String staticHost;
  final List<String> blueprints = new ArrayList<>();
  final List<Path> gates = new ArrayList<>();

  @BeforeAll
  static void keys() throws IOException {
    client = SshKeys.generate();
    state = Files.createTempDirectory("slipway-dynamic-lease-groups-");
    sshd = new SshdProcessBlueprint(SCRIPTS, state, client);
  }

  @BeforeEach
  void poolWithOneStaticHostOfOneSlot() {
    db = new DynamicHostsDb(entityManager, WAIT);
    assumeTrue(OpenSshHost.available(), OpenSshHost.UNAVAILABLE);
    pool = "dyngroups-" + UUID.randomUUID().toString().substring(0, 8);
    credentialId =
        QuarkusTransaction.requiringNew()
            .call(
                () ->
                    credentials.save(
                        "ssh-private-key", SshKeys.toPem(client, "slipway-dynamic-lease-groups")));
    staticHost = "host-" + UUID.randomUUID();
    db.sql(
        "insert into resources (id, blueprint_id, type, name, status, attributes, slots,"
            + " leases_held) values (?1, 'static-host', 'host', ?1, 'active',"
            + " jsonb_build_object('platform', 'linux', 'pool', ?2, 'kind', 'static'), 1, 0)",
        staticHost,
        pool);
  }

  /**
   * Opens every gate, ends what the test left held, disables its blueprints and waits until every
   * host they made is destroyed; the static host is removed.
   */
  @AfterEach
  void drain() throws IOException {
    for (Path gate : gates) {
      Files.writeString(gate, "open");
    }
    db.sql("update leases set status = 'failed' where owner = ?1 and status = 'pending'", pool);
    for (String id : blueprints) {
      db.sql("update blueprints set enabled = false where id = ?1", id);
    }
    for (String id : blueprints) {
      Awaitility.await("every host of blueprint " + id + " destroyed after the test")
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                // a host being made when the test ended still serves its lease once ready
                db.strings("select id from leases where owner = ?1 and status = 'active'", pool)
                    .forEach(this::release);
                return db.count(
                        "select count(*) from resources where blueprint_id = ?1"
                            + " and status <> 'destroyed'",
                        id)
                    == 0;
              });
    }
    db.sql("update resources set enabled = false where id = ?1", staticHost);
  }

  @Test
  void aGroupWithADynamicMemberHoldsOnlyItsSlotsWhileTheHostIsMadeAndItIsDestroyedAfter() {
    Path gate = gate();
    String blueprint =
        blueprint(
            Map.of(
                "provision",
                "#!/bin/sh\nwhile [ ! -e '"
                    + gate
                    + "' ]; do sleep 0.1; done\n"
                    + sshd.environment()
                    + "exec "
                    + SCRIPTS.resolve("provision")
                    + "\n",
                "maxResources",
                1,
                "idleTtl",
                "0s"));

    List<String> group = group();
    String groupId = groupOf(group.get(0));
    String onStatic = group.get(0);
    String onDynamic = group.get(1);

    // provision waits at its gate: the host is being made
    db.await("a host being made for " + onDynamic, () -> db.hostOf(onDynamic) != null);
    String host = db.hostOf(onDynamic);
    assertEquals("pending", db.hostStatus(host), "provision has not been let through yet");
    // what the group holds meanwhile (docs/allocation.md, lease groups 3): granted in one
    // transaction, member 0 active on the static host, member 1 acquired on the host being made
    assertEquals("granted", groupStatus(groupId));
    assertEquals("active on " + staticHost, state(onStatic));
    assertEquals("acquired on " + host, state(onDynamic));
    assertEquals(
        db.string(
            "select txid::text from lease_history where lease_id = ?1 and status = 'acquired'",
            onStatic),
        db.string(
            "select txid::text from lease_history where lease_id = ?1 and status = 'acquired'",
            onDynamic),
        "both members acquired in one transaction");
    assertEquals(1, held(staticHost), "one slot on the static host, for member 0 only");
    assertEquals(1, held(host), "one slot on the host being made, for member 1 only");
    assertEquals(
        1,
        db.count("select count(*) from resources where blueprint_id = ?1", blueprint),
        "one host made for the group, no more");
    assertEquals(
        0,
        db.count(
            "select count(*) from leases where owner = ?1 and status not in ('active', 'acquired')",
            pool),
        "no member failed or is left pending");

    open(gate);
    db.await("member 1 active once its host is ready", () -> "active".equals(db.status(onDynamic)));
    assertEquals("active", db.hostStatus(host));
    assertEquals("active on " + staticHost, state(onStatic));
    assertEquals("granted", groupStatus(groupId));
    int port = db.port(host);
    assertTrue(Ports.accepting(port), "the dynamic host's sshd answers while leased");

    release(onStatic);
    release(onDynamic);
    db.awaitHost(host, "destroyed");
    assertFalse(Ports.accepting(port), "its sshd process is gone after release (idleTtl 0)");
    assertEquals(
        "idle: its last lease was released",
        db.string(
            "select reason from resource_history where resource_id = ?1 and status = 'released'",
            host));
    db.await("member 0 released", () -> "released".equals(db.status(onStatic)));
    assertEquals("active", db.hostStatus(staticHost), "the static host is kept");
    assertEquals(0, held(staticHost));
  }

  @Test
  void twoGroupsWantingTheOneStaticSlotAndTheOneDynamicHostAreGrantedInTurnNeverEachHoldingOne() {
    String blueprint = blueprint(Map.of("maxResources", 1, "slotsPerHost", 1, "idleTtl", "0s"));

    // both asked for in one transaction: the allocator sees them at once
    List<List<String>> groups =
        QuarkusTransaction.requiringNew().call(() -> List.of(requestGroup(), requestGroup()));
    List<String> all = groups.stream().flatMap(List::stream).toList();

    List<String> done = new ArrayList<>();
    Awaitility.await("both groups granted and their members used in turn")
        .atMost(WAIT.multipliedBy(2))
        .until(
            () -> {
              for (List<String> group : groups) {
                if (!done.contains(group.get(0))
                    && group.stream().allMatch(m -> "active".equals(db.status(m)))) {
                  group.forEach(this::release); // what a build does when its steps end
                  done.addAll(group);
                }
              }
              return done.size() == all.size();
            });
    db.await(
        "every member released", () -> all.stream().allMatch(m -> "released".equals(db.status(m))));

    for (List<String> group : groups) {
      assertEquals("granted", groupStatus(groupOf(group.get(0))));
    }
    // from the history: in the order things happened, a group holds from its first member's
    // acquisition until its last member's release; the two never overlap
    List<String> moves =
        db.strings(
            "select l.group_id || ' ' || h.status from lease_history h join leases l"
                + " on l.id = h.lease_id where l.owner = ?1 and h.status in ('acquired',"
                + " 'released', 'failed', 'broken') order by h.id",
            pool);
    Map<String, Integer> holding = new HashMap<>();
    for (String move : moves) {
      String[] parts = move.split(" ");
      assertTrue(
          parts[1].equals("acquired") || parts[1].equals("released"),
          "no member failed or broke: " + moves);
      holding.merge(parts[0], parts[1].equals("acquired") ? 1 : -1, Integer::sum);
      long groupsHolding = holding.values().stream().filter(n -> n > 0).count();
      assertTrue(groupsHolding <= 1, "both groups held a member at once: " + moves);
    }
    assertEquals(8, moves.size(), "4 members, each acquired and released once: " + moves);
    // the blueprint's limit held: at most one dynamic host alive at once, one made per group
    List<String> hostMoves =
        db.strings(
            "select h.status from resource_history h join resources r on r.id = h.resource_id"
                + " where r.blueprint_id = ?1 and h.status in ('pending', 'destroyed')"
                + " order by h.id",
            blueprint);
    int alive = 0;
    for (String move : hostMoves) {
      alive += move.equals("pending") ? 1 : -1;
      assertTrue(alive <= 1, "two dynamic hosts alive at once: " + hostMoves);
    }
    assertNotEquals(
        db.hostOf(groups.get(0).get(1)),
        db.hostOf(groups.get(1).get(1)),
        "the first group's host was destroyed (idleTtl 0): the second had one made");
  }

  @Test
  void aGroupWhoseDynamicHostCannotBeMadeFailsNamingTheMemberAndHoldsNothing() {
    blueprint(
        Map.of(
            "provision",
            "#!/bin/sh\necho 'the provider has no capacity left' >&2\nexit 1\n",
            "maxResources",
            1));

    List<String> group = group();
    String groupId = groupOf(group.get(0));
    String onStatic = group.get(0);
    String onDynamic = group.get(1);

    db.await(
        "member 1 broken: its host could not be made", () -> "broken".equals(db.status(onDynamic)));
    String host = db.hostOf(onDynamic);
    String hostReason = db.reason(onDynamic);
    assertTrue(hostReason.contains("provision failed with exit code 1"), hostReason);
    assertTrue(hostReason.contains("no capacity left"), hostReason);

    db.await("the group failed", () -> "failed".equals(groupStatus(groupId)));
    String why = db.string("select reason from lease_groups where id = ?1", groupId);
    assertTrue(why.contains("members[1] (" + onDynamic + ")"), why);
    assertTrue(why.contains("provision failed with exit code 1"), why);

    db.await("member 0 gives back its static slot", () -> !"active".equals(db.status(onStatic)));
    assertEquals("released", db.status(onStatic));
    assertTrue(db.reason(onStatic).contains("members[1] (" + onDynamic + ")"), db.reason(onStatic));
    assertEquals(0, held(staticHost), "nothing is left held on the static host");
    db.awaitHost(host, "destroyed");
    assertEquals(0, held(host));
    assertEquals(
        0,
        db.count(
            "select count(*) from leases where owner = ?1 and status in ('acquired', 'active',"
                + " 'pending')",
            pool),
        "no member holds or waits for anything");
  }

  // ---- helpers ------------------------------------------------------------------------------

  /** Asks for one group: member 0 the static host, member 1 a host of the dynamic blueprint. */
  private List<String> group() {
    return QuarkusTransaction.requiringNew().call(this::requestGroup);
  }

  private List<String> requestGroup() {
    return leaseGroups
        .request(
            List.of(
                new LeaseGroups.Member(Map.of("pool", pool, "kind", "static"), null),
                new LeaseGroups.Member(Map.of("pool", pool, "kind", "dynamic"), null)),
            pool,
            180_000L,
            null)
        .members()
        .stream()
        .map(l -> l.id)
        .toList();
  }

  private String blueprint(Map<String, Object> overrides) {
    String id = "dyngroups-" + pool + "-" + blueprints.size();
    Map<String, Object> config = sshd.config(credentialId, pool);
    config.put("attributes", Map.of("pool", pool, "kind", "dynamic"));
    config.putAll(overrides);
    db.scriptHostBlueprint(id, config);
    blueprints.add(id);
    return id;
  }

  /** A file a provision script waits for: the test opens it ({@link #open}) to let it through. */
  private Path gate() {
    Path gate = state.resolve("gate-" + UUID.randomUUID());
    gates.add(gate);
    return gate;
  }

  private static void open(Path gate) {
    try {
      Files.writeString(gate, "open");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private void release(String id) {
    QuarkusTransaction.requiringNew()
        .run(() -> leases.requestRelease(leaseRepository.findById(id), "test done"));
  }

  private String state(String lease) {
    return db.status(lease) + " on " + db.hostOf(lease);
  }

  private String groupOf(String lease) {
    return db.string("select group_id from leases where id = ?1", lease);
  }

  private String groupStatus(String group) {
    return db.string("select status from lease_groups where id = ?1", group);
  }

  private long held(String host) {
    return db.count("select leases_held from resources where id = ?1", host);
  }
}
