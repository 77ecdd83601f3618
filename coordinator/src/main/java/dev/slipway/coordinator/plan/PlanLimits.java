package dev.slipway.coordinator.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.slipway.common.limits.Limits;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The size limits of a plan ({@link Limits}), checked when it is saved, before {@link PlanParser}
 * reads it: the YAML's length, how many steps, and each step's command, environment, attributes,
 * repository, ref and path. Each refusal names its field path ({@code steps[2].command}). Plans
 * saved before a limit existed still run: only the door checks them.
 */
public final class PlanLimits {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private PlanLimits() {}

  /**
   * @throws PlanException naming the first field over its limit
   */
  public static void check(String yaml) {
    if (yaml == null) {
      return;
    }
    require("yaml", Limits.tooLong("yaml", yaml, Limits.PLAN_YAML));
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      return; // malformed: the parser names the line
    }
    JsonNode steps = root == null ? null : root.get("steps");
    if (steps == null || !steps.isArray()) {
      return;
    }
    if (steps.size() > Limits.PLAN_STEPS) {
      throw new PlanException(
          "steps",
          "steps has " + steps.size() + " steps; at most " + Limits.PLAN_STEPS + " are allowed");
    }
    for (int i = 0; i < steps.size(); i++) {
      step(steps.get(i), "steps[" + i + "]");
    }
  }

  private static void step(JsonNode step, String path) {
    if (step == null || !step.isObject()) {
      return;
    }
    text(step, path, "command", Limits.COMMAND);
    text(step, path, "repository", Limits.URI);
    text(step, path, "ref", Limits.REF);
    text(step, path, "path", Limits.PATH);
    JsonNode env = step.get("env");
    if (env != null && env.isObject()) {
      if (env.size() > Limits.ENV_VARIABLES) {
        throw new PlanException(
            path + ".env",
            path
                + ".env has "
                + env.size()
                + " variables; at most "
                + Limits.ENV_VARIABLES
                + " are allowed");
      }
      env.fields().forEachRemaining(e -> text(env, path + ".env", e.getKey(), Limits.ENV_VALUE));
    }
    JsonNode attributes = step.get("attributes");
    if (attributes != null && attributes.isObject()) {
      Map<String, String> values = new LinkedHashMap<>();
      attributes.fields().forEachRemaining(e -> values.put(e.getKey(), e.getValue().asText()));
      Limits.Violation violation = Limits.attributes(path + ".attributes", values);
      if (violation != null) {
        throw new PlanException(violation.field(), violation.message());
      }
    }
  }

  private static void text(JsonNode node, String path, String field, int max) {
    JsonNode value = node.get(field);
    if (value != null && value.isValueNode()) {
      require(path + "." + field, Limits.tooLong(path + "." + field, value.asText(), max));
    }
  }

  private static void require(String field, String problem) {
    if (problem != null) {
      throw new PlanException(field, problem);
    }
  }
}
