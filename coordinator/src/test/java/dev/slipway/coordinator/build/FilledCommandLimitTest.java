package dev.slipway.coordinator.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.common.limits.Limits;
import dev.slipway.common.platform.Platform;
import dev.slipway.common.platform.Shell;
import dev.slipway.coordinator.plan.StepSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A command within its limit can still grow past {@link Limits#FILLED_COMMAND} once a build's
 * variables are filled in (a value used many times); such a step fails to start rather than make a
 * {@code command.requested} larger than Kafka takes.
 */
class FilledCommandLimitTest {

  private static final Shell SHELL = Platform.of("linux").shell();

  private static StepSpec.Run run(String command, Map<String, String> env) {
    return new StepSpec.Run("r", "h", command, 60, env, List.of(), null);
  }

  @Test
  void aCommandLongerThanTheLimitOnceFilledIsRefused() {
    String value = "v".repeat(Limits.VARIABLE_VALUE);
    Map<String, String> values = Map.of("vars.big", value);
    assertEquals(
        "echo '" + value + "'",
        BuildVariables.command(run("echo ${vars.big}", null), SHELL, values));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> BuildVariables.command(run("echo ${vars.big} ${vars.big}", null), SHELL, values));
    assertTrue(e.getMessage().contains("at most " + Limits.FILLED_COMMAND), e.getMessage());
  }

  @Test
  void anEnvironmentLongerThanTheLimitOnceFilledIsRefused() {
    Map<String, String> values = Map.of("vars.big", "v".repeat(Limits.VARIABLE_VALUE));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                BuildVariables.environment(
                    run("true", Map.of("A", "${vars.big}", "B", "${vars.big}")), values));
    assertTrue(e.getMessage().startsWith("the environment is"), e.getMessage());
  }
}
