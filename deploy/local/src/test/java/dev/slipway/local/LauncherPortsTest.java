package dev.slipway.local;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.stack.Ports;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The launcher's ports, checked on real sockets before anything starts. */
class LauncherPortsTest {

  @Test
  void aPortAnotherProgramHoldsIsNamedWithTheOptionThatMovesIt() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      List<LauncherPorts.Wanted> wanted =
          List.of(
              new LauncherPorts.Wanted("127.0.0.1", Ports.free(), "--port"),
              new LauncherPorts.Wanted("127.0.0.1", port, "--postgres-port"));

      IllegalStateException refused =
          assertThrows(IllegalStateException.class, () -> LauncherPorts.check(wanted));

      assertEquals(
          "port "
              + port
              + " on 127.0.0.1 is already in use by another program (another Slipway?): stop it,"
              + " or choose a free port with --postgres-port",
          refused.getMessage());
    }
  }

  @Test
  void aPortGivenToTwoOptionsIsRefusedNamingBoth() {
    int api = Ports.free();
    LauncherOptions options =
        LauncherOptions.parse(
            new String[] {"--port", Integer.toString(api), "--kafka-port", "" + (api - 1)});

    IllegalStateException refused =
        assertThrows(
            IllegalStateException.class, () -> LauncherPorts.check(LauncherPorts.of(options)));

    String expected =
        "port "
            + api
            + " is given to both --port and --kafka-port (its controller takes the next port, "
            + api
            + ")";
    assertTrue(refused.getMessage().contains(expected), refused.getMessage());
  }

  @Test
  void freePortsPassAndAnExternalDatabaseNeedsNoPostgresPort() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int kafka = Ports.free();
      LauncherOptions options =
          LauncherOptions.parse(
              new String[] {
                "--port", Integer.toString(Ports.free()),
                "--kafka-port", Integer.toString(kafka),
                "--ssh-port", Integer.toString(Ports.free()),
                "--postgres-port", Integer.toString(taken.getLocalPort()),
                "--jdbc-url", "jdbc:postgresql://127.0.0.1:5432/slipway"
              });

      assertDoesNotThrow(() -> LauncherPorts.check(LauncherPorts.of(options)));
    }
  }
}
