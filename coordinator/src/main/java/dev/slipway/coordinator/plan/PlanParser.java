package dev.slipway.coordinator.plan;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.slipway.common.attributes.Attributes;
import dev.slipway.common.git.GitRefs;
import dev.slipway.common.plan.Durations;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads a plan's YAML (or JSON) into validated steps; see docs/plans.md for the syntax. */
public final class PlanParser {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{0,62}");
  private static final Set<String> KINDS =
      Set.of(StepSpec.LEASE_HOST, StepSpec.LEASE_WORKING_COPY, StepSpec.RUN);

  private PlanParser() {}

  /**
   * Parses and validates a plan.
   *
   * @param defaultTimeoutSeconds the timeout of a {@code run} step that gives none
   * @param allowFileRepositories whether a step may name a repository on the file system
   * @throws PlanException naming the line (malformed YAML) or the field (invalid plan)
   */
  public static List<StepSpec> parse(
      String yaml, long defaultTimeoutSeconds, boolean allowFileRepositories) {
    JsonNode root = read(yaml);
    JsonNode steps = root == null ? null : root.get("steps");
    if (steps == null || !steps.isArray() || steps.isEmpty()) {
      throw new PlanException("steps", "a plan needs a non-empty list 'steps'");
    }
    List<StepSpec> result = new ArrayList<>();
    Map<String, StepSpec> byName = new HashMap<>();
    for (int i = 0; i < steps.size(); i++) {
      StepSpec step =
          step(
              steps.get(i),
              "steps[" + i + "]",
              byName,
              defaultTimeoutSeconds,
              allowFileRepositories);
      byName.put(step.name(), step);
      result.add(step);
    }
    return result;
  }

  private static JsonNode read(String yaml) {
    if (yaml == null || yaml.isBlank()) {
      throw new PlanException("yaml", "yaml is required");
    }
    try {
      return YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String line = at == null ? "" : " at line " + at.getLineNr();
      throw new PlanException("yaml", "malformed YAML" + line + ": " + e.getOriginalMessage());
    }
  }

  private static StepSpec step(
      JsonNode node,
      String path,
      Map<String, StepSpec> earlier,
      long defaultTimeout,
      boolean allowFileRepositories) {
    if (node == null || !node.isObject()) {
      throw new PlanException(path, path + " must be a mapping");
    }
    String name = text(node, "name", path, true);
    if (!NAME.matcher(name).matches()) {
      throw new PlanException(path + ".name", "step name '" + name + "' must match " + NAME);
    }
    if (earlier.containsKey(name)) {
      throw new PlanException(path + ".name", "step name '" + name + "' is used twice");
    }
    String kind = text(node, "kind", path, true);
    if (!KINDS.contains(kind)) {
      throw new PlanException(path + ".kind", "unknown step kind '" + kind + "'; use " + KINDS);
    }
    if (StepSpec.LEASE_HOST.equals(kind)) {
      return StepSpec.leaseHost(name, attributes(node.get("attributes"), path));
    }
    if (StepSpec.LEASE_WORKING_COPY.equals(kind)) {
      return workingCopy(node, path, name, earlier, allowFileRepositories);
    }
    String on = text(node, "on", path, true);
    StepSpec target = earlier.get(on);
    if (target == null || !target.isLease()) {
      throw new PlanException(
          path + ".on",
          "step '" + name + "' runs on '" + on + "', which is not an earlier lease step");
    }
    String command = text(node, "command", path, true);
    String timeout = text(node, "timeout", path, false);
    long timeoutSeconds = defaultTimeout;
    if (timeout != null) {
      try {
        timeoutSeconds = Math.max(1, Durations.parse(timeout).toSeconds());
      } catch (IllegalArgumentException e) {
        throw new PlanException(path + ".timeout", e.getMessage());
      }
    }
    return StepSpec.run(name, on, command, timeoutSeconds);
  }

  private static StepSpec workingCopy(
      JsonNode node,
      String path,
      String name,
      Map<String, StepSpec> earlier,
      boolean allowFileRepositories) {
    String repository = text(node, "repository", path, false);
    String problem =
        repository == null ? null : GitRefs.repositoryProblem(repository, allowFileRepositories);
    if (problem != null) {
      throw new PlanException(path + ".repository", problem);
    }
    String ref = text(node, "ref", path, false);
    problem = ref == null ? null : GitRefs.refProblem(ref);
    if (problem != null) {
      throw new PlanException(path + ".ref", problem);
    }
    String host = text(node, "host", path, false);
    if (host != null && node.has("attributes")) {
      throw new PlanException(
          path + ".host", "step '" + name + "' gives both 'host' and 'attributes'; give one");
    }
    if (host != null) {
      StepSpec target = earlier.get(host);
      if (target == null || !StepSpec.LEASE_HOST.equals(target.kind())) {
        throw new PlanException(
            path + ".host",
            "step '" + name + "' sits on '" + host + "', which is not an earlier lease-host step");
      }
    }
    Map<String, String> attributes = host == null ? attributes(node.get("attributes"), path) : null;
    return StepSpec.leaseWorkingCopy(name, repository, ref, host, attributes);
  }

  private static Map<String, String> attributes(JsonNode node, String path) {
    Map<String, String> attributes = new LinkedHashMap<>();
    if (node == null || node.isNull()) {
      return attributes;
    }
    if (!node.isObject()) {
      throw new PlanException(path + ".attributes", "attributes must be a mapping");
    }
    node.fields()
        .forEachRemaining(
            e -> {
              if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                throw new PlanException(
                    path + ".attributes." + e.getKey(), "attribute values must be strings");
              }
              attributes.put(e.getKey(), e.getValue().asText());
            });
    String problem = Attributes.problem(attributes);
    if (problem != null) {
      throw new PlanException(path + ".attributes", problem);
    }
    return attributes;
  }

  private static String text(JsonNode node, String field, String path, boolean required) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      if (required) {
        throw new PlanException(path + "." + field, path + " needs '" + field + "'");
      }
      return null;
    }
    if (!value.isValueNode() || value.asText().isBlank()) {
      throw new PlanException(path + "." + field, path + "." + field + " must be a non-empty text");
    }
    return value.asText();
  }
}
