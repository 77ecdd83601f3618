package dev.slipway.worker.allocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.stack.RealServices;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * All-or-nothing lease groups against a real PostgreSQL: a group is granted whole or holds nothing,
 * so two groups wanting the same two hosts never deadlock; a group that has waited past {@code
 * group-priority-after} (30s) keeps freed slots from newer leases; a member nothing could ever
 * serve fails the whole group.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
class LeaseGroupsIT {

  @Inject Allocator allocator;
  @Inject EntityManager entityManager;

  String pool;
  String linux;
  String windows;

  @BeforeEach
  void oneLinuxAndOneWindowsHostOfOneSlot() {
    pool = "groups-" + UUID.randomUUID().toString().substring(0, 8);
    linux = host("linux");
    windows = host("windows");
  }

  @AfterEach
  void endWhatIsLeft() {
    sql("update leases set status = 'failed' where owner = ?1 and status = 'pending'", pool);
  }

  @Test
  void twoGroupsWantingTheSameTwoHostsAreGrantedOneAfterTheOtherNeverEachHoldingOne() {
    // asked for interleaved, each group in the other order: single leases would deadlock here
    String group1 = group();
    String group2 = group();
    String g1Linux = member(group1, "linux");
    String g2Windows = member(group2, "windows");
    String g1Windows = member(group1, "windows");
    String g2Linux = member(group2, "linux");

    drain();

    assertEquals("active on " + linux, state(g1Linux));
    assertEquals("active on " + windows, state(g1Windows));
    assertEquals("granted", value("select status from lease_groups where id = ?1", group1));
    assertEquals("pending", state(g2Windows), "group 2 holds nothing while group 1 holds both");
    assertEquals("pending", state(g2Linux));
    assertEquals("pending", value("select status from lease_groups where id = ?1", group2));
    assertEquals("1", held(linux));
    assertEquals("1", held(windows));

    release(g1Linux);
    assertEquals("pending", state(g2Linux), "one free host is not enough for group 2");
    assertEquals("pending", state(g2Windows));
    assertEquals("0", held(linux), "the freed linux slot is not held for group 2 meanwhile");

    release(g1Windows);
    assertEquals("active on " + linux, state(g2Linux));
    assertEquals("active on " + windows, state(g2Windows));
    assertEquals("granted", value("select status from lease_groups where id = ?1", group2));
  }

  @Test
  void singleLeasesAskedForTheSameWayDoHoldOneHostEach() {
    // the control: what groups prevent
    String aLinux = single("linux");
    String bWindows = single("windows");
    String aWindows = single("windows");
    String bLinux = single("linux");

    drain();

    assertEquals("active on " + linux, state(aLinux));
    assertEquals("active on " + windows, state(bWindows));
    assertEquals("pending", state(aWindows));
    assertEquals("pending", state(bLinux));
  }

  @Test
  void aWaitingGroupHoldsNothingAndAYoungGroupLetsNewerLeasesTakeFreeSlots() {
    String busy = single("linux");
    drain();
    assertEquals("active on " + linux, state(busy));
    String group = group();
    String wantsLinux = member(group, "linux");
    String wantsWindows = member(group, "windows");

    drain();

    for (String m : List.of(wantsLinux, wantsWindows)) {
      assertEquals("pending", state(m));
      assertNull(value("select resource_id from leases where id = ?1", m));
    }
    assertEquals("0", held(windows), "no slot is counted for the waiting group");
    assertEquals(
        "0",
        value(
            "select count(*) from lease_history where status <> 'pending' and lease_id in"
                + " (select id from leases where group_id = ?1)",
            group),
        "no member was ever acquired");

    String newer = single("windows");
    drain();
    assertEquals(
        "active on " + windows, state(newer), "a group younger than 30s keeps no slot from it");
  }

  @Test
  void aGroupWaitingLongerThanGroupPriorityAfterIsServedBeforeNewerLeasesForItsHosts() {
    String busy = single("linux");
    drain();
    List<String> waiting = groupWaitedPastPriority();
    String wantsLinux = waiting.get(0);
    String wantsWindows = waiting.get(1);
    String newerWindows = single("windows");
    String newerLinux = single("linux");
    String elsewhere = single("macos");
    String mac = host("macos");

    drain();

    assertEquals("pending", state(newerWindows), "the free windows slot is kept for the group");
    assertEquals("0", held(windows));
    assertEquals("active on " + mac, state(elsewhere), "a lease no member could use is served");

    release(busy);

    assertEquals("active on " + linux, state(wantsLinux));
    assertEquals("active on " + windows, state(wantsWindows));
    assertEquals("pending", state(newerLinux));
    assertEquals("pending", state(newerWindows));
  }

  @Test
  void aGroupWithPriorityKeepsItsFreeSlotFromANewerWorkingCopyByHostAttributesToo() {
    String busy = single("windows");
    drain();
    String wantsLinux = groupWaitedPastPriority().get(0);
    String copy = workingCopy("linux");

    drain(); // the host queue, then the working copies' after it
    assertEquals("pending", state(copy), "the free linux slot is kept for the group");
    assertEquals("0", held(linux));

    QuarkusTransaction.requiringNew().run(() -> allocator.drain("working-copy"));
    assertEquals("pending", state(copy), "a drain of working copies alone keeps it too");
    assertEquals("0", held(linux));

    release(busy);
    assertEquals("active on " + linux, state(wantsLinux));
    assertEquals("pending", state(copy));
  }

  @Test
  void aGroupWithPriorityDoesNotHoldBackALeaseThatHasWaitedLongerThanIt() {
    String busy = single("windows");
    drain();
    String copy = workingCopy("linux");
    sql("update leases set created_at = now() - interval '2 minutes' where id = ?1", copy);
    groupWaitedPastPriority();

    QuarkusTransaction.requiringNew().run(() -> allocator.drain("working-copy"));

    assertTrue(state(copy).startsWith("acquired on "), "first come, first served: " + state(copy));
    assertEquals("1", held(linux));
    release(busy);
  }

  @Test
  void aMemberNothingCouldEverServeFailsTheWholeGroupNamingIt() {
    String group = group();
    String fine = member(group, "linux");
    String never = member(group, "plan9");

    QuarkusTransaction.requiringNew().run(() -> allocator.admit("host", fine));

    for (String m : List.of(fine, never)) {
      assertEquals("failed", state(m));
      String reason = value("select reason from leases where id = ?1", m);
      assertTrue(reason.contains("members[1] (" + never + ")"), reason);
      assertTrue(reason.contains("plan9"), reason);
    }
    assertEquals("failed", value("select status from lease_groups where id = ?1", group));
    assertEquals("0", held(linux), "nothing was held for it");
  }

  @Test
  void aTimedOutOrReleasedMemberFailsItsWholeGroup() {
    String busy = single("linux");
    drain();
    String timingOut = group();
    List<String> first = List.of(member(timingOut, "linux"), member(timingOut, "windows"));
    String released = group();
    List<String> second = List.of(member(released, "windows"), member(released, "linux"));
    drain();

    QuarkusTransaction.requiringNew().run(() -> allocator.timeOut(first.get(1)));
    QuarkusTransaction.requiringNew()
        .run(() -> allocator.release(second.get(0), "released through the API"));

    for (String m : first) {
      assertEquals("failed", state(m));
      assertTrue(value("select reason from leases where id = ?1", m).startsWith("waited "));
    }
    for (String m : second) {
      assertEquals("failed", state(m));
      assertTrue(value("select reason from leases where id = ?1", m).contains("members[0]"));
    }
    assertEquals("active on " + linux, state(busy));
    assertEquals("0", held(windows));
  }

  private void drain() {
    QuarkusTransaction.requiringNew().run(() -> allocator.drain("host"));
  }

  private void release(String lease) {
    QuarkusTransaction.requiringNew()
        .run(() -> allocator.release(lease, "test").ifPresent(allocator::drain));
  }

  private String host(String platform) {
    String id = "host-" + UUID.randomUUID();
    sql(
        "insert into resources (id, blueprint_id, type, name, status, attributes, slots,"
            + " leases_held) values (?1, 'static-host', 'host', ?1, 'active',"
            + " jsonb_build_object('platform', '"
            + platform
            + "', 'pool', '"
            + pool
            + "'), 1, 0)",
        id);
    return id;
  }

  private String group() {
    String id = "group-" + UUID.randomUUID();
    sql("insert into lease_groups (id, owner, status) values (?1, '" + pool + "', 'pending')", id);
    return id;
  }

  /**
   * A group of a linux and a windows member (their ids, in that order) that has waited past {@code
   * group-priority-after} (30s).
   */
  private List<String> groupWaitedPastPriority() {
    String group = group();
    List<String> members = List.of(member(group, "linux"), member(group, "windows"));
    sql("update leases set created_at = now() - interval '1 minute' where group_id = ?1", group);
    return members;
  }

  private String member(String group, String platform) {
    return insertLease(group, platform);
  }

  private String single(String platform) {
    return insertLease(null, platform);
  }

  /** A pending host lease in the pool, newer than every other one. */
  private String insertLease(String group, String platform) {
    return insertLease("host", platform, group, null, null);
  }

  /** A pending working-copy lease for a host of {@code platform} in the pool, newest of all. */
  private String workingCopy(String platform) {
    return insertLease("working-copy", platform, null, "https://example.invalid/app.git", "main");
  }

  /**
   * A pending lease of {@code type} for a host of {@code platform} in the pool, newest of all: a
   * member of {@code group} (null: none), of {@code repository} at {@code ref} (null: none).
   */
  private String insertLease(
      String type, String platform, String group, String repository, String ref) {
    String id = "lease-" + UUID.randomUUID();
    QuarkusTransaction.requiringNew()
        .run(
            () ->
                entityManager
                    .createNativeQuery(
                        "insert into leases (id, type, attributes, status, owner, group_id,"
                            + " repository, ref) values (?1, ?2, jsonb_build_object('platform',"
                            + " ?3, 'pool', ?4), 'pending', ?4, ?5, ?6, ?7)")
                    .setParameter(1, id)
                    .setParameter(2, type)
                    .setParameter(3, platform)
                    .setParameter(4, pool)
                    .setParameter(5, group)
                    .setParameter(6, repository)
                    .setParameter(7, ref)
                    .executeUpdate());
    return id;
  }

  private String held(String host) {
    return value("select leases_held from resources where id = ?1", host);
  }

  private String state(String lease) {
    String status = value("select status from leases where id = ?1", lease);
    if (status.equals("acquired") || status.equals("active")) {
      return status + " on " + value("select resource_id from leases where id = ?1", lease);
    }
    return status;
  }

  private void sql(String statement, String parameter) {
    QuarkusTransaction.requiringNew()
        .run(
            () ->
                entityManager
                    .createNativeQuery(statement)
                    .setParameter(1, parameter)
                    .executeUpdate());
  }

  private String value(String query, String id) {
    return QuarkusTransaction.requiringNew()
        .call(
            () -> {
              @SuppressWarnings("unchecked")
              List<Object> rows =
                  entityManager.createNativeQuery(query).setParameter(1, id).getResultList();
              return rows.isEmpty() || rows.get(0) == null ? null : rows.get(0).toString();
            });
  }
}
