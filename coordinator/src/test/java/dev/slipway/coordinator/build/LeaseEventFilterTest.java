package dev.slipway.coordinator.build;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.common.events.Envelope;
import dev.slipway.common.events.EventCodec;
import dev.slipway.common.events.EventTypes;
import dev.slipway.common.events.LeaseChanged;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Which lease events the build engine applies in a transaction: only those that can move a step (a
 * lease made active, failed or broken) of a lease a build owns. The rest are acknowledged at once.
 */
class LeaseEventFilterTest {

  private static Envelope event(String type, String status, String owner) {
    return EventCodec.envelope(
        type,
        "lease-1",
        new LeaseChanged(
            "lease-1",
            "host",
            status,
            "acquired",
            "host-1",
            owner,
            Map.of(),
            null,
            null,
            null,
            null,
            null));
  }

  @Test
  void aBuildsLeaseMadeActiveFailedOrBrokenIsApplied() {
    String build = Build.ID_PREFIX + "0f8c";
    assertTrue(BuildEngine.actsOnLease(event(EventTypes.LEASE_ACTIVATED, "active", build)));
    assertTrue(BuildEngine.actsOnLease(event(EventTypes.LEASE_FAILED, "failed", build)));
    assertTrue(BuildEngine.actsOnLease(event(EventTypes.LEASE_BROKEN, "broken", build)));
  }

  @Test
  void otherMovesAndLeasesNoBuildOwnsAreSkipped() {
    String build = Build.ID_PREFIX + "0f8c";
    assertFalse(BuildEngine.actsOnLease(event(EventTypes.LEASE_ACQUIRED, "acquired", build)));
    assertFalse(BuildEngine.actsOnLease(event(EventTypes.LEASE_RELEASED, "released", build)));
    assertFalse(BuildEngine.actsOnLease(event(EventTypes.LEASE_ACTIVATED, "active", "ci-bot")));
    assertFalse(BuildEngine.actsOnLease(event(EventTypes.LEASE_FAILED, "failed", null)));
  }

  @Test
  void aLeaseEventWhoseDataIsMalformedGoesToItsHandlerToBeDeadLettered() {
    Envelope malformed =
        EventCodec.envelope(
            EventTypes.LEASE_ACTIVATED, "lease-1", Map.of("owner", Map.of("not", "text")));
    assertTrue(BuildEngine.actsOnLease(malformed));
  }
}
