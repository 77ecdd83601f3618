package dev.slipway.local;

import static dev.slipway.local.WorkingCopyFixture.*;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.local.E2eStack.HostWithHome;
import dev.slipway.stack.SshTestHost;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Working-copy leases through the API against the real system: a lease waiting for a busy host does
 * not hold up others, leases by attributes wait for host slots, a working-copy lease ends with its
 * host lease or its heartbeat, and removing a host ends its copies.
 */
class WorkingCopyLeaseIT {

  static E2eStack stack;

  @BeforeAll
  static void start() throws Exception {
    stack = E2eStack.get();
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

  /**
   * A checkout whose SSH connection drops mid-way (the host's SSH server stops while git reads the
   * repository, and answers again 2.5 s later) is tried again into a fresh copy, and the lease
   * becomes active; it used to break at once, and its build with it.
   */
  @Test
  void aCheckoutWhoseConnectionDropsIsTriedAgainIntoAFreshCopy() throws Exception {
    HostWithHome host = stack.sshHostWithHome();
    String hostLease = hostLease(stack.register(host.ssh(), 1));
    Repository repo = repository();
    Path head = Path.of(repo.uri(), "HEAD");
    Path realHead = Files.writeString(head.resolveSibling("HEAD.real"), Files.readString(head));
    Files.delete(head);
    // git blocks opening a named pipe for its HEAD: the checkout stops mid-way
    assertEquals(0, new ProcessBuilder("mkfifo", head.toString()).start().waitFor());
    SshTestHost restarted = null;
    try {
      String lease = workingCopyLease(repo, hostLease);
      await().atMost(Duration.ofSeconds(30)).until(() -> E2eStack.processesWith(repo.uri()) > 0);
      String firstCopy = stack.api.lease(lease).get("resourceId").asText();
      int port = host.ssh().port();
      host.ssh().close(); // kills git; the checkout's channel ends without an exit status
      Files.move(realHead, head, StandardCopyOption.ATOMIC_MOVE);
      Thread.sleep(2_500); // the host stays away a while: part of the fault
      restarted = SshTestHost.start(host.home(), port);

      awaitLease(lease, "active");
      JsonNode active = stack.api.lease(lease);
      assertEquals(repo.a(), active.get("commit").asText());
      assertNotEquals(
          firstCopy, active.get("resourceId").asText(), "checked out into a fresh copy");
    } finally {
      if (Files.exists(realHead)) { // the test failed early: a git still blocked gets an empty HEAD
        new RandomAccessFile(head.toFile(), "rw").close();
        Files.move(realHead, head, StandardCopyOption.ATOMIC_MOVE);
      }
      if (restarted != null) {
        restarted.close();
      }
    }
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
}
