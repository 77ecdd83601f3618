package dev.slipway.worker.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.slipway.common.events.CommandFinished;
import dev.slipway.worker.ssh.ExecResult;
import org.junit.jupiter.api.Test;

/** How a command's end on its host becomes its result ({@link CommandReports.Ending#of}). */
class CommandEndingTest {

  @Test
  void aCommandLostToARebootIsAnErrorWithItsReasonEvenWhenAnAbortWasAskedFor() {
    CommandReports.Ending ending =
        CommandReports.Ending.of(
            new ExecResult(null, null, false, true, 5, 0, ExecResult.REBOOTED));
    assertEquals(CommandFinished.ERROR, ending.outcome());
    assertEquals(ExecResult.REBOOTED, ending.message());
    assertNull(ending.exitCode());
  }

  @Test
  void anAbortedCommandStaysAborted() {
    CommandReports.Ending ending =
        CommandReports.Ending.of(new ExecResult(null, "TERM", false, true, 5, 0));
    assertEquals(CommandFinished.ABORTED, ending.outcome());
    assertNull(ending.message());
  }

  @Test
  void processesThatVanishedWithoutAStatusAreAnError() {
    CommandReports.Ending ending =
        CommandReports.Ending.of(new ExecResult(null, null, false, false, 0, 0));
    assertEquals(CommandFinished.ERROR, ending.outcome());
    assertEquals("the command's processes vanished without an exit status", ending.message());
  }
}
