package dev.slipway.common.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TransitionsTest {

  @ParameterizedTest(name = "lease {0} -> {1} allowed={2}")
  @CsvSource({
    "PENDING,ACQUIRED,true",
    "PENDING,FAILED,true",
    "PENDING,ACTIVE,false",
    "PENDING,RELEASED,false",
    "ACQUIRED,ACTIVE,true",
    "ACQUIRED,BROKEN,true",
    "ACQUIRED,RELEASED,false",
    "ACTIVE,RELEASED,true",
    "ACTIVE,BROKEN,true",
    "ACTIVE,PENDING,false",
    "RELEASED,ACTIVE,false",
    "RELEASED,RELEASED,false",
    "FAILED,ACQUIRED,false",
    "BROKEN,RELEASED,false"
  })
  void leaseTransitions(LeaseStatus from, LeaseStatus to, boolean allowed) {
    assertEquals(allowed, from.canMoveTo(to));
    if (!allowed) {
      assertThrows(IllegalTransitionException.class, () -> Transitions.check("lease", from, to));
    } else {
      assertEquals(to, Transitions.check("lease", from, to));
    }
  }

  @ParameterizedTest(name = "resource {0} -> {1} allowed={2}")
  @CsvSource({
    "PENDING,ACTIVE,true",
    "PENDING,BROKEN,true",
    "ACTIVE,RELEASED,true",
    "ACTIVE,BROKEN,true",
    "RELEASED,DESTROYED,true",
    "BROKEN,DESTROYED,true",
    "BROKEN,RELEASED,true",
    "RELEASED,BROKEN,false",
    "ACTIVE,DESTROYED,false",
    "DESTROYED,ACTIVE,false",
    "BROKEN,ACTIVE,false"
  })
  void resourceTransitions(ResourceStatus from, ResourceStatus to, boolean allowed) {
    assertEquals(allowed, from.canMoveTo(to));
  }

  @ParameterizedTest(name = "build {0} -> {1} allowed={2}")
  @CsvSource({
    "PENDING,RUNNING,true",
    "RUNNING,PASSED,true",
    "RUNNING,FAILED,true",
    "RUNNING,ERROR,true",
    "PENDING,PASSED,false",
    "PASSED,FAILED,false",
    "FAILED,RUNNING,false"
  })
  void buildTransitions(BuildStatus from, BuildStatus to, boolean allowed) {
    assertEquals(allowed, from.canMoveTo(to));
  }

  @ParameterizedTest(name = "step {0} -> {1} allowed={2}")
  @CsvSource({
    "PENDING,RUNNING,true",
    "PENDING,SKIPPED,true",
    "RUNNING,PASSED,true",
    "RUNNING,FAILED,true",
    "PENDING,PASSED,false",
    "PASSED,RUNNING,false",
    "FAILED,PASSED,false"
  })
  void stepTransitions(StepStatus from, StepStatus to, boolean allowed) {
    assertEquals(allowed, from.canMoveTo(to));
  }

  @ParameterizedTest(name = "command {0} -> {1} allowed={2}")
  @CsvSource({
    "REQUESTED,RUNNING,true",
    "REQUESTED,FINISHED,true",
    "RUNNING,FINISHED,true",
    "RUNNING,REQUESTED,false",
    "FINISHED,RUNNING,false",
    "FINISHED,FINISHED,false",
    "CHECKOUT_LOG,RUNNING,false",
    "CHECKOUT_LOG,FINISHED,false",
    "REQUESTED,CHECKOUT_LOG,false"
  })
  void commandTransitions(CommandStatus from, CommandStatus to, boolean allowed) {
    assertEquals(allowed, from.canMoveTo(to));
  }

  @ParameterizedTest
  @CsvSource({
    "requested,REQUESTED",
    "running,RUNNING",
    "finished,FINISHED",
    "checkout-log,CHECKOUT_LOG"
  })
  void commandWireNamesRoundTrip(String wire, CommandStatus status) {
    assertEquals(status, CommandStatus.fromWire(wire));
    assertEquals(wire, status.wireName());
  }

  @ParameterizedTest
  @CsvSource({"acquired,ACQUIRED", "released,RELEASED"})
  void wireNamesRoundTrip(String wire, LeaseStatus status) {
    assertEquals(status, LeaseStatus.fromWire(wire));
    assertEquals(wire, status.wireName());
  }
}
