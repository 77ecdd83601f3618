package dev.slipway.coordinator.plan;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Checks that the steps' dependencies form no cycle, naming one when they do. */
final class PlanGraph {

  private PlanGraph() {}

  private enum Mark {
    VISITING,
    DONE
  }

  static void requireAcyclic(List<StepSpec> steps) {
    Map<String, StepSpec> byName = new HashMap<>();
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < steps.size(); i++) {
      byName.put(steps.get(i).name(), steps.get(i));
      index.put(steps.get(i).name(), i);
    }
    Map<String, Mark> marks = new HashMap<>();
    for (StepSpec step : steps) {
      List<String> path = new ArrayList<>();
      List<String> cycle = visit(step.name(), byName, marks, path);
      if (cycle != null) {
        throw new PlanException(
            "steps[" + index.get(cycle.get(0)) + "].depends_on",
            "the steps depend on each other in a cycle: " + String.join(" -> ", cycle));
      }
    }
  }

  /** Every step that step {@code name} waits for, directly or through others (acyclic steps). */
  static java.util.Set<String> ancestors(List<StepSpec> steps, String name) {
    Map<String, StepSpec> byName = new HashMap<>();
    steps.forEach(s -> byName.put(s.name(), s));
    java.util.Set<String> found = new java.util.HashSet<>();
    java.util.Deque<String> next = new java.util.ArrayDeque<>(byName.get(name).dependsOn());
    while (!next.isEmpty()) {
      String step = next.pop();
      if (found.add(step)) {
        next.addAll(byName.get(step).dependsOn());
      }
    }
    return found;
  }

  /** The cycle found from {@code name} (first step repeated at the end), or null. */
  private static List<String> visit(
      String name, Map<String, StepSpec> byName, Map<String, Mark> marks, List<String> path) {
    Mark mark = marks.get(name);
    if (mark == Mark.DONE) {
      return null;
    }
    if (mark == Mark.VISITING) {
      List<String> cycle = new ArrayList<>(path.subList(path.indexOf(name), path.size()));
      cycle.add(name);
      return cycle;
    }
    marks.put(name, Mark.VISITING);
    path.add(name);
    for (String dependency : byName.get(name).dependsOn()) {
      List<String> cycle = visit(dependency, byName, marks, path);
      if (cycle != null) {
        return cycle;
      }
    }
    path.remove(path.size() - 1);
    marks.put(name, Mark.DONE);
    return null;
  }
}
