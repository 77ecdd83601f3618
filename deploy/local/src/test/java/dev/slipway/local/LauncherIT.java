package dev.slipway.local;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.slipway.stack.Ports;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy/local/run} as a user starts it (the Launcher in a JVM of its own): everything it
 * starts listens on loopback only, its secrets are private files, its PostgreSQL wants the
 * password, and the sample build passes.
 */
class LauncherIT {

  private static final String PRIVATE_FILE = "rw-------";
  private static final Pattern FINISHED = Pattern.compile("sample build \\S+ [A-Z]+ \\(");

  @Test
  void launcherListensOnLoopbackOnlyKeepsItsSecretsPrivateAndPassesTheSampleBuild(@TempDir Path dir)
      throws Exception {
    Path data = dir.resolve("data");
    int apiPort = Ports.free();
    int kafkaPort = freePortPair();
    int postgresPort = Ports.free();
    int sshPort = Ports.free();
    Path output = dir.resolve("launcher.out");
    Process launcher =
        startLauncher(
            output,
            "--data",
            data.toString(),
            "--port",
            Integer.toString(apiPort),
            "--kafka-port",
            Integer.toString(kafkaPort),
            "--postgres-port",
            Integer.toString(postgresPort),
            "--ssh-port",
            Integer.toString(sshPort));
    Set<ProcessHandle> tree = new HashSet<>();
    try {
      awaitSampleBuild(launcher, output, data);
      String printed = Files.readString(output);
      assertTrue(printed.matches("(?s).*sample build \\S+ PASSED.*"), printed);

      tree.addAll(processTree(launcher.toHandle(), data));
      Map<Integer, String> listening = listeningSockets(tree);
      for (int port : List.of(apiPort, kafkaPort, kafkaPort + 1, postgresPort, sshPort)) {
        assertTrue(listening.containsKey(port), port + " not among " + listening);
      }
      Map<Integer, String> exposed = new TreeMap<>(listening);
      exposed.values().removeIf(LauncherIT::isLoopback);
      assertEquals(Map.of(), exposed, "ports listening beyond loopback (hex /proc/net/tcp*)");

      assertEquals("rwx------", permissions(data));
      Path tokenFile = data.resolve("admin.token");
      Path passwordFile = data.resolve("postgres/password");
      for (Path secret : List.of(data.resolve("master.key"), tokenFile, passwordFile)) {
        assertEquals(PRIVATE_FILE, permissions(secret), secret.toString());
      }
      String token = Files.readString(tokenFile).trim();
      assertTrue(token.matches("slw_[A-Za-z0-9_-]{43}"), "token file holds no slw_ token");
      String password = Files.readString(passwordFile).trim();
      assertFalse(printed.contains(token), "the launcher printed the admin token");
      assertFalse(printed.contains(password), "the launcher printed the PostgreSQL password");
      assertTrue(printed.contains(tokenFile.toString()), printed);

      // the CLI finds this stack on its port, and its token, with nothing set (cli/slipway points
      // it at the admin token of the project's .slipway/; this data directory stands in for it)
      assertEquals("http://127.0.0.1:" + apiPort + "\n", Files.readString(data.resolve("server")));
      assertTrue(
          printed.contains("SLIPWAY_SERVER=http://127.0.0.1:" + apiPort + " SLIPWAY_TOKEN_FILE="),
          printed);
      Process cli = startCli(tokenFile, dir.resolve("home"), "host", "list");
      assertTrue(cli.waitFor(60, TimeUnit.SECONDS), "the CLI did not exit");
      String listed = new String(cli.getInputStream().readAllBytes());
      assertEquals(0, cli.exitValue(), listed);
      assertTrue(listed.contains("local"), listed);

      String url = "jdbc:postgresql://127.0.0.1:" + postgresPort + "/slipway";
      assertThrows(SQLException.class, () -> DriverManager.getConnection(url, "postgres", ""));
      SQLException wrong =
          assertThrows(
              SQLException.class, () -> DriverManager.getConnection(url, "postgres", "wrong"));
      assertEquals("28P01", wrong.getSQLState(), wrong.getMessage()); // invalid_password
      try (Connection connection = DriverManager.getConnection(url, "postgres", password);
          Statement statement = connection.createStatement();
          ResultSet rules =
              statement.executeQuery("select type, auth_method from pg_hba_file_rules")) {
        int count = 0;
        while (rules.next()) {
          count++;
          assertEquals(
              "scram-sha-256", rules.getString(2), "a " + rules.getString(1) + " rule's method");
        }
        assertTrue(count > 0, "no pg_hba rules");
      }
    } finally {
      stop(launcher, tree);
    }
  }

  private static void awaitSampleBuild(Process launcher, Path output, Path data)
      throws IOException {
    try {
      await()
          .atMost(Duration.ofMinutes(4))
          .pollInterval(Duration.ofMillis(500))
          .failFast("the launcher exited", () -> !launcher.isAlive())
          .until(() -> FINISHED.matcher(Files.readString(output)).find());
    } catch (RuntimeException e) { // timed out, or the launcher exited
      fail(
          e.getMessage()
              + "\n--- launcher:\n"
              + Files.readString(output)
              + "\n--- coordinator.log:\n"
              + tail(data.resolve("logs/coordinator.log"))
              + "\n--- worker.log:\n"
              + tail(data.resolve("logs/worker.log")));
    }
  }

  private static String tail(Path log) throws IOException {
    if (!Files.exists(log)) {
      return "(none)";
    }
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }

  private static Process startLauncher(Path output, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    command.add("-Dslipway.home=" + home());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Launcher.class.getName());
    command.addAll(List.of(args));
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(output.toFile())
        .start();
  }

  /**
   * A launcher given a port another program holds refuses at once, naming the option that moves it,
   * and starts nothing (no PostgreSQL is made in its data directory).
   */
  @Test
  void launcherRefusesATakenPortNamingItsOptionBeforeStartingAnything(@TempDir Path dir)
      throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Path output = dir.resolve("launcher.out");
      Process launcher =
          startLauncher(
              output,
              "--data",
              dir.resolve("data").toString(),
              "--port",
              Integer.toString(Ports.free()),
              "--kafka-port",
              Integer.toString(freePortPair()),
              "--postgres-port",
              Integer.toString(taken.getLocalPort()),
              "--ssh-port",
              Integer.toString(Ports.free()));
      assertTrue(launcher.waitFor(60, TimeUnit.SECONDS), "the launcher did not exit");
      String printed = Files.readString(output);
      assertEquals(1, launcher.exitValue(), printed);
      assertTrue(
          printed.contains(
              "port "
                  + taken.getLocalPort()
                  + " on 127.0.0.1 is already in use by another program (another Slipway?): stop"
                  + " it, or choose a free port with --postgres-port"),
          printed);
      assertFalse(Files.exists(dir.resolve("data/postgres")), printed);
      assertFalse(printed.contains("starting Kafka"), printed);
    }
  }

  /**
   * The CLI as {@code cli/slipway} runs it, told where the local stack's admin token is, with no
   * server, token or config of its own.
   */
  private static Process startCli(Path localTokenFile, Path home, String... args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Dslipway.local-token-file=" + localTokenFile);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("dev.slipway.cli.Main");
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    List.of("SLIPWAY_SERVER", "SLIPWAY_TOKEN", "SLIPWAY_TOKEN_FILE")
        .forEach(builder.environment()::remove);
    builder.environment().put("HOME", home.toString());
    builder.environment().put("XDG_CONFIG_HOME", home.resolve(".config").toString());
    return builder.start();
  }

  private static Path home() {
    return Path.of(System.getProperty("slipway.home", "../..")).toAbsolutePath().normalize();
  }

  /**
   * The launcher, everything it started, and the PostgreSQL server: {@code pg_ctl} starts it as a
   * daemon, so it is not a descendant; its pid file names it.
   */
  private static Set<ProcessHandle> processTree(ProcessHandle launcher, Path data)
      throws IOException {
    Set<ProcessHandle> tree = new HashSet<>();
    tree.add(launcher);
    launcher.descendants().forEach(tree::add);
    long postmaster =
        Long.parseLong(Files.readAllLines(data.resolve("postgres/pgdata/postmaster.pid")).get(0));
    ProcessHandle postgres = ProcessHandle.of(postmaster).orElseThrow();
    tree.add(postgres);
    postgres.descendants().forEach(tree::add);
    return tree;
  }

  /** Port to address (hex, as /proc/net/tcp* writes it) of every TCP socket in LISTEN state. */
  private static Map<Integer, String> listeningSockets(Set<ProcessHandle> processes)
      throws IOException {
    Set<String> inodes = new HashSet<>();
    for (ProcessHandle process : processes) {
      Path fds = Path.of("/proc", Long.toString(process.pid()), "fd");
      try (Stream<Path> links = Files.list(fds)) {
        for (Path link : links.toList()) {
          try {
            String target = Files.readSymbolicLink(link).toString();
            if (target.startsWith("socket:[")) {
              inodes.add(target.substring(8, target.length() - 1));
            }
          } catch (IOException closedMeanwhile) {
            // a descriptor closed while we read the directory
          }
        }
      } catch (IOException exited) {
        // a short-lived child (git, ssh) that has exited meanwhile
      }
    }
    Map<Integer, String> listening = new TreeMap<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      List<String> rows = Files.readAllLines(Path.of(table));
      for (String row : rows.subList(1, rows.size())) {
        String[] columns = row.trim().split("\\s+");
        boolean listen = "0A".equals(columns[3]);
        if (listen && inodes.contains(columns[9])) {
          String[] local = columns[1].split(":");
          listening.merge(Integer.parseInt(local[1], 16), local[0], (a, b) -> a + "," + b);
        }
      }
    }
    return listening;
  }

  /** Whether every address (hex, comma-separated, as /proc/net/tcp* writes it) is loopback. */
  private static boolean isLoopback(String addresses) {
    for (String hex : addresses.split(",")) {
      byte[] bytes = new byte[hex.length() / 2];
      // each 32-bit word is written in host (little-endian) byte order
      for (int word = 0; word < bytes.length / 4; word++) {
        for (int b = 0; b < 4; b++) {
          int at = (word * 4 + 3 - b) * 2;
          bytes[word * 4 + b] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
        }
      }
      try {
        if (!InetAddress.getByAddress(bytes).isLoopbackAddress()) {
          return false;
        }
      } catch (IOException e) {
        return false;
      }
    }
    return true;
  }

  private static String permissions(Path path) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }

  /** SIGTERM to the launcher (its shutdown hook stops what it started), then kills what is left. */
  private static void stop(Process launcher, Set<ProcessHandle> tree) {
    tree.addAll(launcher.descendants().toList());
    launcher.destroy();
    await().atMost(Duration.ofSeconds(90)).until(() -> !launcher.isAlive());
    tree.forEach(ProcessHandle::destroyForcibly);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> tree.stream().noneMatch(ProcessHandle::isAlive));
  }

  /** A free port N whose neighbour N+1 is free too (Kafka's controller takes N+1). */
  private static int freePortPair() throws IOException {
    for (int attempt = 0; ; attempt++) {
      int port = Ports.free();
      try (ServerSocket next = new ServerSocket()) {
        next.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port + 1));
        return port;
      } catch (IOException taken) {
        if (attempt > 20) {
          throw taken;
        }
      }
    }
  }
}
