package dev.slipway.worker.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.slipway.common.events.CommandRequested;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which fields of a command.requested event disagree with the command's row. */
class StoredCommandsTest {

  private static final CommandRequested ROW =
      new CommandRequested(
          "cmd-1", "build-1", "test", "lease-1", "host-1", "make test", Map.of(), "/wc/1", 60);

  @Test
  void theCoordinatorsOwnEventAgrees() {
    assertEquals(List.of(), StoredCommands.disagreements(ROW, ROW));
  }

  @Test
  void noEnvironmentIsAnEmptyOneAndTheStepAndTimeoutAreTheRowsAnyway() {
    CommandRequested event =
        new CommandRequested(
            "cmd-1", "build-1", "other", "lease-1", "host-1", "make test", null, "/wc/1", 1);
    assertEquals(List.of(), StoredCommands.disagreements(event, ROW));
  }

  @Test
  void namesEveryFieldThatDiffers() {
    CommandRequested event =
        new CommandRequested(
            "cmd-1",
            "build-2",
            "test",
            "lease-2",
            "host-2",
            "rm -rf ~",
            Map.of("A", "1"),
            null,
            60);
    assertEquals(
        List.of("buildId", "leaseId", "resourceId", "command", "workingDirectory", "environment"),
        StoredCommands.disagreements(event, ROW));
  }
}
