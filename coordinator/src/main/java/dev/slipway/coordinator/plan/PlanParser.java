package dev.slipway.coordinator.plan;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.slipway.common.attributes.Attributes;
import dev.slipway.common.git.GitRefs;
import dev.slipway.common.plan.ArtifactNames;
import dev.slipway.common.plan.Durations;
import dev.slipway.common.platform.Globs;
import dev.slipway.common.platform.RelativePaths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** Reads a plan's YAML (or JSON) into validated steps; see docs/plans.md for the syntax. */
public final class PlanParser {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]{0,62}");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

  /** Each kind and the fields a step of that kind may have. */
  private static final Map<String, List<String>> FIELDS =
      Map.of(
          StepSpec.LEASE_HOST, List.of("name", "kind", "attributes", "group", "depends_on", "if"),
          StepSpec.LEASE_WORKING_COPY,
              List.of(
                  "name", "kind", "repository", "ref", "host", "attributes", "depends_on", "if"),
          StepSpec.RUN,
              List.of("name", "kind", "on", "command", "timeout", "env", "depends_on", "if"),
          StepSpec.WAIT, List.of("name", "kind", "timeout", "depends_on", "if"),
          StepSpec.UPLOAD_ARTIFACT,
              List.of("name", "kind", "from", "path", "artifact", "depends_on", "if"),
          StepSpec.DOWNLOAD_ARTIFACT,
              List.of("name", "kind", "artifact", "on", "path", "depends_on", "if"));

  private static final List<String> CONDITIONS =
      List.of(StepSpec.ON_SUCCESS, StepSpec.ALWAYS, StepSpec.ON_FAILURE);

  private static final Set<String> KINDS = FIELDS.keySet();

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
    requireNoNul(root, "");
    if (root != null && root.isObject()) {
      root.fieldNames()
          .forEachRemaining(
              field -> {
                if (!field.equals("steps") && !field.equals("timeout")) {
                  throw new PlanException(
                      field, "unknown field '" + field + "'; a plan has 'steps' and 'timeout'");
                }
              });
      buildTimeout(root);
    }
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
    for (int i = 0; i < result.size(); i++) {
      result.set(i, graph(steps.get(i), "steps[" + i + "]", result, i));
    }
    PlanGraph.requireAcyclic(result);
    requireArtifactsUploadedFirst(result);
    requireGroupsApart(result);
    return result;
  }

  /** The most lease-host steps one group may have (a lease group's most members). */
  static final int MAX_GROUP = 16;

  /** A lease-host step's {@code group}: a name like a step's. */
  private static String group(JsonNode node, String path) {
    String group = text(node, "group", path, false);
    if (group != null && !NAME.matcher(group).matches()) {
      throw new PlanException(path + ".group", "group name '" + group + "' must match " + NAME);
    }
    return group;
  }

  /**
   * Refuses a group of lease-host steps that is leased at once but where one step waits, directly
   * or through other steps, for another of its group; and a group of one step or of more than
   * {@link #MAX_GROUP}.
   */
  private static void requireGroupsApart(List<StepSpec> steps) {
    Map<String, List<Integer>> groups = new java.util.LinkedHashMap<>();
    for (int i = 0; i < steps.size(); i++) {
      if (steps.get(i) instanceof StepSpec.LeaseHost host && host.group() != null) {
        groups.computeIfAbsent(host.group(), g -> new ArrayList<>()).add(i);
      }
    }
    for (Map.Entry<String, List<Integer>> group : groups.entrySet()) {
      List<Integer> members = group.getValue();
      int first = members.get(0);
      if (members.size() < 2 || members.size() > MAX_GROUP) {
        throw new PlanException(
            "steps[" + members.get(members.size() < 2 ? 0 : MAX_GROUP) + "].group",
            "group '"
                + group.getKey()
                + "' has "
                + members.size()
                + " lease-host step(s); a group has 2 to "
                + MAX_GROUP
                + " (step '"
                + steps.get(first).name()
                + "')");
      }
      Set<String> names = new java.util.HashSet<>();
      members.forEach(i -> names.add(steps.get(i).name()));
      for (int i : members) {
        for (String ancestor : PlanGraph.ancestors(steps, steps.get(i).name())) {
          if (names.contains(ancestor)) {
            throw new PlanException(
                "steps[" + i + "].depends_on",
                "step '"
                    + steps.get(i).name()
                    + "' waits for step '"
                    + ancestor
                    + "' of its own group '"
                    + group.getKey()
                    + "', but a group is leased at once (a step without depends_on waits for the"
                    + " step before it: give it depends_on)");
          }
        }
      }
    }
  }

  /**
   * The step with the steps it waits for: those of {@code depends_on} if it has one ({@code []}:
   * none), else the step before it; and always those it names in {@code on} and {@code host}.
   */
  private static StepSpec graph(JsonNode node, String path, List<StepSpec> steps, int index) {
    StepSpec step = steps.get(index);
    Set<String> names = new java.util.HashSet<>();
    steps.forEach(s -> names.add(s.name()));
    List<String> dependsOn = new ArrayList<>();
    JsonNode declared = node.get("depends_on");
    if (declared == null || declared.isNull()) {
      if (index > 0) {
        dependsOn.add(steps.get(index - 1).name());
      }
    } else {
      if (!declared.isArray()) {
        throw new PlanException(path + ".depends_on", "depends_on must be a list of step names");
      }
      for (int j = 0; j < declared.size(); j++) {
        String name = declared.get(j).isTextual() ? declared.get(j).asText() : null;
        String field = path + ".depends_on[" + j + "]";
        if (name == null || !names.contains(name)) {
          throw new PlanException(
              field, "step '" + step.name() + "' depends on '" + name + "', which is no step");
        }
        if (name.equals(step.name())) {
          throw new PlanException(field, "step '" + step.name() + "' depends on itself");
        }
        if (!dependsOn.contains(name)) {
          dependsOn.add(name);
        }
      }
    }
    if (step.uses() != null && !dependsOn.contains(step.uses())) {
      dependsOn.add(step.uses());
    }
    String when = text(node, "if", path, false);
    if (when != null && !CONDITIONS.contains(when)) {
      throw new PlanException(path + ".if", "if must be one of " + CONDITIONS);
    }
    return step.withGraph(List.copyOf(dependsOn), when);
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

  /**
   * Refuses a NUL character in any string of the plan (a key or a value, at any depth; YAML's
   * {@code "\0"} and {@code "\u0000"} make one): PostgreSQL cannot store it in the step specs of a
   * build, so such a plan could be saved but never run. {@code path} names the field ({@code
   * steps[2].command}, {@code steps[0].attributes.platform}).
   */
  private static void requireNoNul(JsonNode node, String path) {
    if (node == null) {
      return;
    }
    if (node.isTextual() && node.textValue().indexOf('\0') >= 0) {
      String field = path.isEmpty() ? "yaml" : path;
      throw new PlanException(field, field + " contains a NUL character (\\u0000)");
    }
    if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        requireNoNul(node.get(i), path + "[" + i + "]");
      }
    } else if (node.isObject()) {
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        String name = field.getKey();
        if (name.indexOf('\0') >= 0) {
          String at = path.isEmpty() ? "a key" : "a key of " + path;
          throw new PlanException(
              path.isEmpty() ? "yaml" : path, at + " contains a NUL character (\\u0000)");
        }
        requireNoNul(field.getValue(), path.isEmpty() ? name : path + "." + name);
      }
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
      throw new PlanException(
          path + ".kind", "unknown step kind '" + kind + "'; use " + new TreeSet<>(KINDS));
    }
    node.fieldNames()
        .forEachRemaining(
            field -> {
              if (!FIELDS.get(kind).contains(field)) {
                throw new PlanException(
                    path + "." + field,
                    "unknown field '"
                        + field
                        + "' in a "
                        + kind
                        + " step; its fields are "
                        + FIELDS.get(kind));
              }
            });
    return switch (kind) {
      case StepSpec.LEASE_HOST ->
          new StepSpec.LeaseHost(
              name, attributes(node.get("attributes"), path), group(node, path), null, null);
      case StepSpec.LEASE_WORKING_COPY ->
          workingCopy(node, path, name, earlier, allowFileRepositories);
      case StepSpec.WAIT ->
          new StepSpec.Wait(name, timeout(node, path, defaultTimeout), null, null);
      case StepSpec.UPLOAD_ARTIFACT ->
          new StepSpec.UploadArtifact(
              name,
              leaseStep(node, path, "from", name, earlier),
              artifactPath(node, path, true),
              artifactName(node, path),
              null,
              null);
      case StepSpec.DOWNLOAD_ARTIFACT ->
          new StepSpec.DownloadArtifact(
              name,
              artifactName(node, path),
              leaseStep(node, path, "on", name, earlier),
              artifactPath(node, path, false),
              null,
              null);
      default -> run(node, path, name, earlier, defaultTimeout);
    };
  }

  private static StepSpec run(
      JsonNode node, String path, String name, Map<String, StepSpec> earlier, long defaultTimeout) {
    String on = leaseStep(node, path, "on", name, earlier);
    String command = text(node, "command", path, true);
    String problem = Variables.problem(command);
    if (problem != null) {
      throw new PlanException(path + ".command", problem);
    }
    long timeoutSeconds = timeout(node, path, defaultTimeout);
    return new StepSpec.Run(
        name, on, command, timeoutSeconds, env(node.get("env"), path), null, null);
  }

  /** The earlier lease step that field {@code field} ({@code on}, {@code from}) names. */
  private static String leaseStep(
      JsonNode node, String path, String field, String name, Map<String, StepSpec> earlier) {
    String lease = text(node, field, path, true);
    StepSpec target = earlier.get(lease);
    if (target == null || !target.isLease()) {
      throw new PlanException(
          path + "." + field,
          "step '"
              + name
              + "' works on '"
              + lease
              + "' ("
              + field
              + "), which is not an earlier lease step");
    }
    return lease;
  }

  private static String artifactName(JsonNode node, String path) {
    String artifact = text(node, "artifact", path, true);
    String problem = ArtifactNames.problem(artifact);
    if (problem != null) {
      throw new PlanException(path + ".artifact", problem);
    }
    return artifact;
  }

  /**
   * An artifact step's {@code path}, relative to the lease's directory: no empty, {@code .} or
   * {@code ..} part, not absolute, variables allowed (their values are checked again when the step
   * starts).
   */
  private static String artifactPath(JsonNode node, String path, boolean required) {
    String value = text(node, "path", path, required);
    if (value == null) {
      return null;
    }
    String problem = Variables.problem(value);
    if (problem == null) {
      problem = RelativePaths.problem(value);
    }
    if (problem == null && Globs.isGlob(value)) {
      problem = Globs.globProblem(value);
    }
    if (problem != null) {
      throw new PlanException(path + ".path", problem);
    }
    return value;
  }

  /**
   * Refuses a download of an artifact that no step uploads, or that the step uploading it may not
   * have uploaded yet (the download does not depend on it, directly or through other steps), and an
   * artifact uploaded by two steps.
   */
  private static void requireArtifactsUploadedFirst(List<StepSpec> steps) {
    // by name in lower case: names differing only in case would share a file on some stores
    Map<String, StepSpec.UploadArtifact> uploads = new HashMap<>();
    for (int i = 0; i < steps.size(); i++) {
      if (steps.get(i) instanceof StepSpec.UploadArtifact upload) {
        StepSpec.UploadArtifact earlier =
            uploads.putIfAbsent(upload.artifact().toLowerCase(Locale.ROOT), upload);
        if (earlier != null) {
          throw new PlanException(
              "steps[" + i + "].artifact",
              "artifact '"
                  + upload.artifact()
                  + "' is uploaded by steps '"
                  + earlier.name()
                  + "' and '"
                  + upload.name()
                  + "' (names differing only in case are the same artifact); give each its own"
                  + " name");
        }
      }
    }
    for (int i = 0; i < steps.size(); i++) {
      if (!(steps.get(i) instanceof StepSpec.DownloadArtifact download)) {
        continue;
      }
      String field = "steps[" + i + "].artifact";
      StepSpec.UploadArtifact source = uploads.get(download.artifact().toLowerCase(Locale.ROOT));
      if (source == null) {
        throw new PlanException(
            field,
            "step '"
                + download.name()
                + "' downloads artifact '"
                + download.artifact()
                + "', which no upload-artifact step of the plan uploads");
      }
      if (!source.artifact().equals(download.artifact())) {
        throw new PlanException(
            field,
            "step '"
                + download.name()
                + "' downloads artifact '"
                + download.artifact()
                + "', but step '"
                + source.name()
                + "' uploads it as '"
                + source.artifact()
                + "'");
      }
      if (!PlanGraph.ancestors(steps, download.name()).contains(source.name())) {
        throw new PlanException(
            field,
            "step '"
                + download.name()
                + "' may run before step '"
                + source.name()
                + "' has uploaded artifact '"
                + download.artifact()
                + "'; add '"
                + source.name()
                + "' to its depends_on");
      }
    }
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
      if (!(target instanceof StepSpec.LeaseHost)) {
        throw new PlanException(
            path + ".host",
            "step '" + name + "' sits on '" + host + "', which is not an earlier lease-host step");
      }
    }
    Map<String, String> attributes = host == null ? attributes(node.get("attributes"), path) : null;
    return new StepSpec.LeaseWorkingCopy(name, repository, ref, host, attributes, null, null);
  }

  /**
   * The plan's top-level {@code timeout} in seconds: the longest its builds may run; null when it
   * has none. The plan must have been {@link #parse parsed} before.
   */
  public static Long buildTimeoutSeconds(String yaml) {
    JsonNode root = read(yaml);
    return root == null || !root.isObject() ? null : buildTimeout(root);
  }

  private static Long buildTimeout(JsonNode root) {
    JsonNode value = root.get("timeout");
    if (value == null || value.isNull()) {
      return null;
    }
    try {
      if (!value.isValueNode()) {
        throw new IllegalArgumentException("timeout must be a duration such as 90s, 30m or 2h");
      }
      return Math.max(1, Durations.parse(value.asText()).toSeconds());
    } catch (IllegalArgumentException e) {
      throw new PlanException("timeout", e.getMessage());
    }
  }

  /** A step's {@code timeout} in seconds (at least 1), or {@code defaultTimeout}. */
  private static long timeout(JsonNode node, String path, long defaultTimeout) {
    String timeout = text(node, "timeout", path, false);
    if (timeout == null) {
      return defaultTimeout;
    }
    try {
      return Math.max(1, Durations.parse(timeout).toSeconds());
    } catch (IllegalArgumentException e) {
      throw new PlanException(path + ".timeout", e.getMessage());
    }
  }

  /** A run step's {@code env}: names of environment variables, values that may use variables. */
  private static Map<String, String> env(JsonNode node, String path) {
    Map<String, String> env = new TreeMap<>();
    if (node == null || node.isNull()) {
      return env;
    }
    if (!node.isObject()) {
      throw new PlanException(path + ".env", "env must be a mapping of NAME: value");
    }
    node.fields()
        .forEachRemaining(
            e -> {
              String field = path + ".env." + e.getKey();
              if (!ENV_NAME.matcher(e.getKey()).matches()) {
                throw new PlanException(
                    field,
                    "environment variable names are letters, digits and _, not first a digit");
              }
              if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                throw new PlanException(field, "environment values must be strings");
              }
              String value = e.getValue().asText();
              String problem =
                  value.indexOf('\0') >= 0
                      ? "a value cannot hold NUL"
                      : Variables.secretOf(value) != null ? null : Variables.problem(value);
              if (problem != null) {
                throw new PlanException(field, problem);
              }
              env.put(e.getKey(), value);
            });
    return env;
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
