package dev.slipway.local;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The TCP ports the launcher is about to listen on, checked before it starts anything: a port that
 * another program holds is named with the option that moves it, rather than surfacing later as a
 * service's own failure (an embedded PostgreSQL that cannot bind, while the launcher reaches the
 * other program's server on that port and reads its refusal as a wrong password).
 */
final class LauncherPorts {

  private LauncherPorts() {}

  /** One port to listen on: the address, and the option that chose it. */
  record Wanted(String address, int port, String option) {}

  /** What {@code options} will listen on, each named by the option that moves it. */
  static List<Wanted> of(LauncherOptions options) {
    List<Wanted> wanted = new ArrayList<>();
    wanted.add(new Wanted(options.listen(), options.port(), "--port"));
    wanted.add(new Wanted(SlipwayServices.LOOPBACK, options.kafkaPort(), "--kafka-port"));
    wanted.add(
        new Wanted(
            SlipwayServices.LOOPBACK,
            options.kafkaPort() + 1,
            "--kafka-port (its controller takes the next port, "
                + (options.kafkaPort() + 1)
                + ")"));
    if (options.jdbcUrl() == null) {
      wanted.add(new Wanted(SlipwayServices.LOOPBACK, options.postgresPort(), "--postgres-port"));
    }
    wanted.add(new Wanted(SlipwayServices.LOOPBACK, options.sshPort(), "--ssh-port"));
    return wanted;
  }

  /**
   * Checks that the ports are distinct and free.
   *
   * @throws IllegalStateException naming every port that is given twice or already in use, and the
   *     option that moves it
   */
  static void check(List<Wanted> wanted) {
    List<String> problems = new ArrayList<>();
    Map<Integer, Wanted> seen = new LinkedHashMap<>();
    for (Wanted w : wanted) {
      Wanted earlier = seen.putIfAbsent(w.port(), w);
      if (earlier != null) {
        problems.add(
            "port " + w.port() + " is given to both " + earlier.option() + " and " + w.option());
      } else {
        String refusal = refusal(w);
        if (refusal != null) {
          problems.add("port " + w.port() + " on " + w.address() + " " + refusal + w.option());
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException(String.join("\nslipway: ", problems));
    }
  }

  /**
   * Null when a server could listen on {@code w} now (bound as servers bind, reusing a port in
   * TIME_WAIT); else why not, ending where the option that moves it is named.
   */
  private static String refusal(Wanted w) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(w.address(), w.port()));
      return null;
    } catch (BindException e) {
      if (String.valueOf(e.getMessage()).contains("in use")) {
        return "is already in use by another program (another Slipway?): stop it, or choose a"
            + " free port with ";
      }
      return "cannot be listened on (" + e.getMessage() + "): choose another port with ";
    } catch (IOException e) {
      return "cannot be listened on (" + e.getMessage() + "): choose another port with ";
    }
  }
}
