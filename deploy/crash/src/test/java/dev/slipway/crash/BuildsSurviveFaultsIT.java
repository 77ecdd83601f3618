package dev.slipway.crash;

import static dev.slipway.stack.Git.git;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.local.SlipwayClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * The crash and outage suite: builds (lease a host, lease a working copy on it, run a command of 3
 * to 10 s that appends the build's id to a file on the host and exits with a status the test chose)
 * run while a worker and the coordinator are killed, the broker is killed and restarted and the
 * database is cut off. Then every build has the status its command deserved, none is stuck, every
 * command ran once and its output is in the log once, no lease is left held and every working copy
 * is clean and back in the pool. See docs/reliability.md.
 */
class BuildsSurviveFaultsIT {

  private static final Duration FINISH_BOUND = Duration.ofMinutes(10);
  private static final Duration SETTLE_BOUND = Duration.ofMinutes(2);
  private static final Duration API_BOUND = Duration.ofMinutes(10);

  /** What the test chose for one build, and what became of it. */
  private static final class Planned {
    final int index;
    final int sleepSeconds;
    final int exit;
    String id;
    JsonNode finished;

    Planned(int index, int sleepSeconds, int exit) {
      this.index = index;
      this.sleepSeconds = sleepSeconds;
      this.exit = exit;
    }
  }

  @Test
  void everyBuildEndsAsItsCommandDeservesThroughKilledProcessesABrokerRestartAndADatabaseOutage()
      throws Exception {
    CrashVariant variant = CrashVariant.fromSystemProperties();
    System.out.printf(
        "crash suite: %s variant, seed %d (-Dslipway.crash.seed=%d replays it)%n",
        variant.name(), variant.seed(), variant.seed());
    CrashStack stack = CrashStack.get();
    Random random = new Random(variant.seed());

    String pool = CrashStack.newPool();
    Map<String, Path> homes = new HashMap<>();
    for (CrashStack.Host host : stack.hosts) {
      String id = stack.register(host, pool + "-" + host.name(), Map.of("pool", pool), 2);
      homes.put(id, host.home());
    }
    Path dir = Files.createTempDirectory(stack.work, "repo");
    String repository = repository(dir);
    Path ran = dir.resolve("ran.txt");
    Files.createFile(ran);
    String plan = pool + "-plan";
    stack.api.savePlan(plan, planYaml(pool, ran));

    List<Planned> builds = new ArrayList<>();
    for (int i = 0; i < variant.builds(); i++) {
      // mostly 0; every fourth build 1 or 3
      int exit = i % 4 == 3 ? (i % 8 == 3 ? 1 : 3) : 0;
      builds.add(new Planned(i, 3 + random.nextInt(8), exit));
    }
    List<Integer> gaps = new ArrayList<>();
    builds.forEach(b -> gaps.add(random.nextInt(5_000)));

    long start = System.nanoTime();
    FaultInjector faults =
        new FaultInjector(stack, variant, random, start, () -> buildsInFlight(stack, plan));
    for (Planned build : builds) {
      build.id = submit(stack.api, plan, repository, build);
      if (build.index == 0) {
        faults.start();
      }
      Thread.sleep(gaps.get(build.index)); // spreads the builds over the faults: pacing, no wait
    }
    List<Fault> injected = faults.awaitDone();
    assertEquals(
        EnumSet.allOf(Fault.Kind.class),
        injected.stream()
            .map(Fault::kind)
            .collect(Collectors.toCollection(() -> EnumSet.noneOf(Fault.Kind.class))),
        "every kind of fault was injected: " + injected);
    assertTrue(
        injected.stream().anyMatch(f -> f.buildsInFlight() > 0),
        "the faults came while builds ran: " + injected);

    List<String> problems = new ArrayList<>();
    awaitFinished(stack.api, builds);
    long stuck = builds.stream().filter(b -> b.finished == null).count();
    builds.stream()
        .filter(b -> b.finished == null)
        .forEach(b -> problems.add("build " + b.id + " did not finish within " + FINISH_BOUND));

    int lost = 0;
    int duplicates = 0;
    Map<String, Long> ranLines =
        Files.readAllLines(ran).stream()
            .collect(Collectors.groupingBy(l -> l, LinkedHashMap::new, Collectors.counting()));
    for (Planned build : builds) {
      if (build.finished == null) {
        continue;
      }
      if (!statusAsDeserved(build, problems)) {
        lost++;
      }
      long runs = ranLines.getOrDefault(build.id, 0L);
      if (runs != 1) {
        problems.add("the command of build " + build.id + " ran " + runs + " times");
        duplicates += runs > 1 ? 1 : 0;
        lost += runs == 0 ? 1 : 0;
      }
      String log = call(() -> stack.api.log(build.id));
      boolean logRight = true;
      for (String line : List.of("begin " + build.id, "end " + build.id)) {
        long seen = log.lines().filter(line::equals).count();
        if (seen != 1) {
          problems.add("'" + line + "' is " + seen + " times in the log of " + build.id);
          duplicates += seen > 1 ? 1 : 0;
          lost += seen == 0 ? 1 : 0;
          logRight = false;
        }
      }
      if (!logRight) {
        problems.add(evidence(stack, build, log));
      }
    }
    ranLines.keySet().stream()
        .filter(id -> builds.stream().noneMatch(b -> id.equals(b.id)))
        .forEach(id -> problems.add("a command ran for an unknown build " + id));

    problems.addAll(leaseProblems(stack, builds, pool, repository));
    List<JsonNode> copies = new ArrayList<>();
    problems.addAll(workingCopyProblems(stack, repository, homes, copies));

    Duration wall = Duration.ofNanos(System.nanoTime() - start);
    String summary =
        summary(
            variant,
            builds,
            injected,
            lost,
            stuck,
            duplicates,
            wall,
            stack.hosts.size(),
            stack.workers.size(),
            copies.size());
    System.out.println(summary);
    Files.writeString(
        Path.of(System.getProperty("slipway.home", "../.."), "deploy/crash/target")
            .resolve("crash-summary-" + variant.name() + ".txt"),
        summary + (problems.isEmpty() ? "" : "\nproblems:\n  " + String.join("\n  ", problems)));
    assertTrue(problems.isEmpty(), "seed " + variant.seed() + ":\n" + String.join("\n", problems));
  }

  private static String planYaml(String pool, Path ran) {
    String command =
        "echo ${build.id} >> "
            + ran
            + "; echo begin ${build.id}; sleep ${vars.sleep}; echo end ${build.id};"
            + " exit ${vars.exit}";
    return """
        steps:
          - {name: buildhost, kind: lease-host, attributes: {pool: %s}}
          - {name: src, kind: lease-working-copy, host: buildhost}
          - name: main
            kind: run
            on: src
            command: '%s'
        """
        .formatted(pool, command);
  }

  /** A bare repository with two commits on main; {@code *.log} is ignored. Returns its URI. */
  private static String repository(Path dir) throws Exception {
    Path src = Files.createDirectory(dir.resolve("src"));
    git(src, "init", "--quiet", "--initial-branch=main");
    Files.writeString(src.resolve(".gitignore"), "*.log\n");
    Files.writeString(src.resolve("app.txt"), "A\n");
    git(src, "add", ".");
    git(src, "commit", "--quiet", "-m", "A");
    Path bare = dir.resolve("crash.git");
    git(dir, "clone", "--quiet", "--bare", src.toString(), bare.toString());
    return bare.toString();
  }

  /**
   * What a report of a log problem needs: the build as the API shows it, its log, and the run
   * step's command row and stored output chunks.
   */
  private static String evidence(CrashStack stack, Planned build, String log) {
    StringBuilder text =
        new StringBuilder("  evidence for ")
            .append(build.id)
            .append(":\n    build: ")
            .append(build.finished)
            .append("\n    log:\n")
            .append(log.indent(6));
    try (Connection c = stack.sql();
        PreparedStatement commands =
            c.prepareStatement(
                "select row_to_json(x)::text from (select id, status, outcome, exit_code, runner,"
                    + " stdout_bytes, message, started_at, finished_at from commands"
                    + " where build_id = ? and step_name = 'main') x");
        PreparedStatement chunks =
            c.prepareStatement(
                "select k.seq, k.stream, k.text from log_chunks k join commands m"
                    + " on m.id = k.command_id where m.build_id = ? and m.step_name = 'main'"
                    + " order by k.seq")) {
      commands.setString(1, build.id);
      try (ResultSet rs = commands.executeQuery()) {
        while (rs.next()) {
          text.append("    command: ").append(rs.getString(1)).append('\n');
        }
      }
      chunks.setString(1, build.id);
      try (ResultSet rs = chunks.executeQuery()) {
        while (rs.next()) {
          text.append("    chunk ")
              .append(rs.getLong(1))
              .append(' ')
              .append(rs.getString(2))
              .append(": ")
              .append(rs.getString(3).replace("\n", "\\n"))
              .append('\n');
        }
      }
    } catch (java.sql.SQLException e) {
      text.append("    (database: ").append(e.getMessage()).append(")\n");
    }
    return text.toString();
  }

  /** How many builds of the plan have not ended: read from the database, which is up then. */
  private static int buildsInFlight(CrashStack stack, String plan) {
    try (Connection c = stack.sql();
        PreparedStatement q =
            c.prepareStatement(
                "select count(*) from builds where plan_name = ?"
                    + " and status in ('pending', 'running')")) {
      q.setString(1, plan);
      try (ResultSet rs = q.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    } catch (java.sql.SQLException e) {
      return -1; // unknown
    }
  }

  /** Submits the build, riding over the moments when the coordinator is down; returns its id. */
  private static String submit(SlipwayClient api, String plan, String repository, Planned build) {
    Map<String, Object> body = new HashMap<>();
    body.put("plan", plan);
    body.put("repository", repository);
    body.put("branch", "main");
    body.put(
        "variables",
        Map.of(
            "sleep", Integer.toString(build.sleepSeconds), "exit", Integer.toString(build.exit)));
    return call(() -> api.post("api/v1/builds", body).ok().get("id").asText());
  }

  /** Calls the API until it answers (the coordinator may be restarting). */
  private static <T> T call(Callable<T> request) {
    List<T> result = new ArrayList<>();
    await()
        .atMost(API_BOUND)
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(
            () -> {
              result.add(request.call());
              return true;
            });
    return result.get(0);
  }

  private static void awaitFinished(SlipwayClient api, List<Planned> builds) {
    try {
      await()
          .atMost(FINISH_BOUND)
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () -> {
                for (Planned build : builds) {
                  if (build.finished != null) {
                    continue;
                  }
                  try {
                    JsonNode view = api.build(build.id);
                    String status = view.get("status").asText();
                    if (!status.equals("pending") && !status.equals("running")) {
                      build.finished = view;
                    }
                  } catch (Exception restarting) {
                    return false; // the coordinator is not back yet
                  }
                }
                return builds.stream().allMatch(b -> b.finished != null);
              });
    } catch (ConditionTimeoutException stuck) {
      // reported per build
    }
  }

  /** Whether the build ended as its command deserved; adds what is wrong to {@code problems}. */
  private static boolean statusAsDeserved(Planned build, List<String> problems) {
    String status = build.finished.get("status").asText();
    JsonNode main = null;
    for (JsonNode step : build.finished.get("steps")) {
      if (step.get("name").asText().equals("main")) {
        main = step;
      }
    }
    String expected = build.exit == 0 ? "passed" : "failed";
    boolean right = status.equals(expected) && main != null;
    if (right && build.exit != 0) {
      String reason = main.path("reason").asText("");
      right =
          reason.contains("command exited with " + build.exit)
              && main.path("exitCode").asInt(-1) == build.exit;
    }
    if (!right) {
      problems.add(
          "build "
              + build.id
              + " (exit "
              + build.exit
              + ") ended "
              + status
              + ": "
              + build.finished);
    }
    return right;
  }

  /**
   * Every build's two leases end released, and no host of the pool or copy of the repository still
   * counts a lease held.
   */
  private static List<String> leaseProblems(
      CrashStack stack, List<Planned> builds, String pool, String repository) {
    List<String> problems = new ArrayList<>();
    try {
      await()
          .atMost(SETTLE_BOUND)
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () ->
                  leaseStatuses(stack, builds).values().stream()
                      .allMatch(BuildsSurviveFaultsIT::allReleased));
    } catch (ConditionTimeoutException notYet) {
      // reported below
    }
    try {
      Map<String, List<String>> statuses = leaseStatuses(stack, builds);
      for (Planned build : builds) {
        List<String> leases = statuses.getOrDefault(build.id, List.of());
        if (!allReleased(leases)) {
          problems.add("leases of build " + build.id + " ended " + leases);
        }
      }
      try (Connection c = stack.sql();
          PreparedStatement q =
              c.prepareStatement(
                  "select id, type, status, leases_held from resources"
                      + " where leases_held <> 0 and status <> 'destroyed'"
                      + " and (attributes ->> 'pool' = ? or attributes ->> 'repository' = ?)")) {
        q.setString(1, pool);
        q.setString(2, repository);
        try (ResultSet rs = q.executeQuery()) {
          while (rs.next()) {
            problems.add(
                rs.getString(2)
                    + " "
                    + rs.getString(1)
                    + " ("
                    + rs.getString(3)
                    + ") still counts "
                    + rs.getInt(4)
                    + " leases held");
          }
        }
      }
    } catch (Exception e) {
      problems.add("could not read the leases: " + e);
    }
    return problems;
  }

  /** The statuses of each build's leases. */
  private static Map<String, List<String>> leaseStatuses(CrashStack stack, List<Planned> builds)
      throws Exception {
    Map<String, List<String>> statuses = new HashMap<>();
    try (Connection c = stack.sql();
        PreparedStatement q =
            c.prepareStatement("select owner, status from leases where owner = any (?)")) {
      q.setArray(1, c.createArrayOf("text", builds.stream().map(b -> b.id).toArray()));
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          statuses.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2));
        }
      }
    }
    for (Planned build : builds) {
      statuses.putIfAbsent(build.id, List.of());
    }
    return statuses;
  }

  /** A build's two leases (its host and its working copy), both released. */
  private static boolean allReleased(List<String> leases) {
    return leases.size() == 2 && leases.stream().allMatch("released"::equals);
  }

  /**
   * Every working copy of the repository is back in the pool (active, no lease held) and its
   * directory is clean: nothing untracked, ignored or changed. Fills {@code copies} with them.
   */
  private static List<String> workingCopyProblems(
      CrashStack stack, String repository, Map<String, Path> homes, List<JsonNode> copies) {
    List<String> problems = new ArrayList<>();
    try {
      await()
          .atMost(SETTLE_BOUND)
          .pollInterval(Duration.ofSeconds(1))
          .ignoreExceptions()
          .until(
              () -> {
                copies.clear();
                stack
                    .api
                    .resources("working-copy", Map.of("repository", repository))
                    .forEach(copies::add);
                return !copies.isEmpty()
                    && copies.stream()
                        .allMatch(
                            c ->
                                c.get("status").asText().equals("active")
                                    && c.get("leasesHeld").asInt() == 0);
              });
    } catch (ConditionTimeoutException notYet) {
      // reported below
    }
    if (copies.isEmpty()) {
      problems.add("no working copy of " + repository + " is left");
    }
    for (JsonNode copy : copies) {
      if (!copy.get("status").asText().equals("active") || copy.get("leasesHeld").asInt() != 0) {
        problems.add("working copy not back in the pool: " + copy);
        continue;
      }
      Path home = homes.get(copy.get("hostId").asText());
      Path path = Path.of(copy.get("path").asText());
      Path on = home == null ? path : home.resolve(path);
      try {
        String status = git(on, "--no-optional-locks", "status", "--porcelain", "--ignored");
        if (!status.isEmpty()) {
          problems.add("working copy " + on + " is not clean: " + status);
        }
      } catch (Exception e) {
        problems.add("working copy " + copy + " could not be checked at " + on + ": " + e);
      }
    }
    return problems;
  }

  private static String summary(
      CrashVariant variant,
      List<Planned> builds,
      List<Fault> faults,
      int lost,
      long stuck,
      int duplicates,
      Duration wall,
      int hosts,
      int workers,
      int copies) {
    long failing = builds.stream().filter(b -> b.exit != 0).count();
    StringBuilder text =
        new StringBuilder("=== crash suite summary (")
            .append(variant.name())
            .append(" variant)\n")
            .append("seed:       ")
            .append(variant.seed())
            .append('\n')
            .append("builds:     ")
            .append(builds.size())
            .append(" (")
            .append(failing)
            .append(" with a failing command) on ")
            .append(hosts)
            .append(" SSH hosts, ")
            .append(workers)
            .append(" workers\n")
            .append("faults:     ")
            .append(faults.size())
            .append('\n');
    faults.forEach(f -> text.append("  ").append(f).append('\n'));
    text.append("copies:     ")
        .append(copies)
        .append(" working copies checked: back in the pool and clean on disk\n")
        .append("lost:       ")
        .append(lost)
        .append('\n')
        .append("stuck:      ")
        .append(stuck)
        .append('\n')
        .append("duplicates: ")
        .append(duplicates)
        .append('\n')
        .append(String.format("wall time:  %.0f s", wall.toMillis() / 1000.0));
    return text.toString();
  }
}
