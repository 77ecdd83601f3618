package dev.slipway.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Command-line options of {@code deploy/local/run}. */
record LauncherOptions(
    Path home,
    Path data,
    String listen,
    int port,
    int kafkaPort,
    int postgresPort,
    int sshPort,
    String jdbcUrl,
    String jdbcUser,
    String jdbcPassword,
    boolean exitAfterSample,
    boolean help) {

  static final String USAGE =
      """
      usage: deploy/local/run [options]
        --port N              coordinator API port (default 8080)
        --listen ADDRESS      address the coordinator's HTTP server (API and its health
                              endpoint) binds: default 127.0.0.1, this machine only; 0.0.0.0
                              for every interface, or one interface's address makes the API
                              reachable from the network. Nothing else moves: Kafka,
                              PostgreSQL, the worker's health port and the build host stay on
                              127.0.0.1
        --data DIR            state directory (default .slipway/ in the project's root,
                              where cli/slipway finds the API and its admin token)
        --home DIR            the project's root, where the services are built (default:
                              the checkout deploy/local/run is in)
        --jdbc-url URL        use this PostgreSQL instead of an embedded one
        --jdbc-user USER      its user (default postgres)
        --jdbc-password-file FILE
                              its password: the file's first line (default empty)
        --jdbc-password PW    the same on the command line, where ps shows it to
                              every user of this machine: prefer the file
        --kafka-port N        Kafka broker port (default 9092; the controller uses N+1)
        --postgres-port N     embedded PostgreSQL port (default 5433)
        --ssh-port N          local build host SSH port (default 2222)
        --exit-after-sample   exit with the sample build's status instead of running on
        --help                this text""";

  static LauncherOptions parse(String[] args) {
    Path home = Path.of(System.getProperty("slipway.home", "."));
    Path data = null;
    String listen = SlipwayServices.LOOPBACK;
    int port = 8080;
    int kafkaPort = 9092;
    int postgresPort = 5433;
    int sshPort = 2222;
    String jdbcUrl = null;
    String jdbcUser = "postgres";
    String jdbcPassword = "";
    boolean exit = false;
    boolean help = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "--home" -> home = Path.of(value(args, ++i, arg));
        case "--data" -> data = Path.of(value(args, ++i, arg));
        case "--port" -> port = port(value(args, ++i, arg), arg);
        case "--listen" -> listen = address(value(args, ++i, arg), arg);
        case "--kafka-port" -> kafkaPort = port(value(args, ++i, arg), arg);
        case "--postgres-port" -> postgresPort = port(value(args, ++i, arg), arg);
        case "--ssh-port" -> sshPort = port(value(args, ++i, arg), arg);
        case "--jdbc-url" -> jdbcUrl = value(args, ++i, arg);
        case "--jdbc-user" -> jdbcUser = value(args, ++i, arg);
        case "--jdbc-password" -> jdbcPassword = value(args, ++i, arg);
        case "--jdbc-password-file" -> jdbcPassword = firstLine(value(args, ++i, arg), arg);
        case "--exit-after-sample" -> exit = true;
        case "--help", "-h" -> help = true;
        default -> throw new IllegalArgumentException("unknown option " + arg);
      }
    }
    if (data == null) {
      data = home.resolve(".slipway"); // where cli/slipway looks for admin.token
    }
    if (jdbcUrl != null && !jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException("--jdbc-url must start with jdbc:postgresql:");
    }
    return new LauncherOptions(
        home,
        data,
        listen,
        port,
        kafkaPort,
        postgresPort,
        sshPort,
        jdbcUrl,
        jdbcUser,
        jdbcPassword,
        exit,
        help);
  }

  private static String firstLine(String file, String option) {
    try {
      return Files.readAllLines(Path.of(file)).stream().findFirst().orElse("");
    } catch (IOException | UncheckedIOException e) {
      throw new IllegalArgumentException(option + ": cannot read " + file + ": " + e.getMessage());
    }
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[i];
  }

  /** Whether {@link #listen} keeps the API on this machine (a loopback address). */
  boolean listensOnLoopbackOnly() {
    try {
      return InetAddress.getByName(listen).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false; // checked by parse
    }
  }

  private static String address(String text, String option) {
    try {
      if (text.isBlank()) {
        throw new UnknownHostException(text);
      }
      InetAddress.getByName(text);
      return text;
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(option + " must be an address, not '" + text + "'");
    }
  }

  private static int port(String text, String option) {
    try {
      int port = Integer.parseInt(text);
      if (port < 1 || port > 65535) {
        throw new NumberFormatException();
      }
      return port;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " must be a port number, not '" + text + "'");
    }
  }
}
