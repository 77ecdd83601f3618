package dev.slipway.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.common.events.EventCodec;
import dev.slipway.stack.SshKeys;
import dev.slipway.stack.SshdProcessBlueprint;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Script-host blueprints of the e2e stack whose hosts are Debian OpenSSH servers started by the
 * example scripts {@code deploy/blueprints/sshd-process}: one client key pair, stored as a shared
 * credential through the API, and a state directory of its own, so that every sshd these blueprints
 * start can be found (and is known to be gone) by that directory.
 */
final class SshdBlueprints {

  /** The example scripts, as the worker (on this machine) runs them. */
  static final Path SCRIPTS =
      SshdProcessBlueprint.scriptsIn(Path.of(System.getProperty("slipway.home", "../..")));

  final E2eStack stack;
  final KeyPair client;

  /** {@code SLIPWAY_SSHD_STATE}: one directory per host, named by its token's hash. */
  final Path state;

  /** The shared credential holding {@link #client}'s private key. */
  final String credentialId;

  private SshdBlueprints(E2eStack stack, KeyPair client, Path state, String credentialId) {
    this.stack = stack;
    this.client = client;
    this.state = state;
    this.credentialId = credentialId;
  }

  /** A new key pair, stored with {@code POST /api/v1/credentials}, and a new state directory. */
  static SshdBlueprints create(E2eStack stack) throws Exception {
    KeyPair client = SshKeys.generate();
    Path state = Files.createTempDirectory(stack.work, "sshd-hosts");
    String name = "dyn-key-" + UUID.randomUUID().toString().substring(0, 8);
    String id =
        stack
            .api
            .post(
                "api/v1/credentials",
                Map.of("name", name, "privateKey", SshKeys.toPem(client, name)))
            .ok()
            .get("id")
            .asText();
    return new SshdBlueprints(stack, client, state, id);
  }

  /**
   * The config of a blueprint whose hosts offer {@code pool=<pool>}: the example's three scripts,
   * this key's credential, 30 s to become ready ({@link SshdProcessBlueprint#config}).
   */
  Map<String, Object> config(String pool) {
    return scripts().config(credentialId, pool);
  }

  /** Shell lines exporting {@code SLIPWAY_SSHD_STATE} and {@code SLIPWAY_SSHD_AUTHORIZED_KEY}. */
  String environment() {
    return scripts().environment();
  }

  /** The example's scripts with this key and state. */
  private SshdProcessBlueprint scripts() {
    return new SshdProcessBlueprint(SCRIPTS, state, client);
  }

  /** Adds a script-host blueprint through {@code POST /api/v1/blueprints}; returns its name. */
  String add(String name, Map<String, Object> config) throws Exception {
    stack
        .api
        .post("api/v1/blueprints", Map.of("name", name, "kind", "script-host", "config", config))
        .ok();
    return name;
  }

  /** Disables blueprint {@code name}: it makes no more hosts and its idle ones are destroyed. */
  void disable(String name) throws Exception {
    stack.api.patch("api/v1/blueprints/" + name, Map.of("enabled", false)).ok();
  }

  /** The statuses of resource {@code id}'s history ({@code GET /api/v1/resources/{id}/history}). */
  List<String> statuses(String id) throws Exception {
    List<String> statuses = new ArrayList<>();
    history(id).forEach(move -> statuses.add(move.get("status").asText()));
    return statuses;
  }

  JsonNode history(String id) throws Exception {
    return stack.api.get("api/v1/resources/" + id + "/history").ok();
  }

  /** Resource {@code id}'s status now (the last move of its history). */
  String status(String id) throws Exception {
    List<String> statuses = statuses(id);
    return statuses.isEmpty() ? null : statuses.get(statuses.size() - 1);
  }

  /** The hosts of blueprint {@code name} that are not destroyed. */
  List<String> alive(String blueprint) throws Exception {
    return stack.sqlColumn(
        "select id from resources where blueprint_id = ? and status <> 'destroyed'", blueprint);
  }

  /** One column of host {@code id} (what the API does not show: its token, a port once made). */
  String column(String id, String column) throws Exception {
    List<String> values =
        stack.sqlColumn("select " + column + "::text from resources where id = ?", id);
    return values.isEmpty() ? null : values.get(0);
  }

  /** This installation's tag, which the scripts put on every host they make. */
  String tag() throws Exception {
    try (Connection c = stack.sql();
        ResultSet rs = c.createStatement().executeQuery("select tag from installation")) {
      assertTrue(rs.next(), "no installation row");
      return rs.getString(1);
    }
  }

  /** Whether the example's {@code list} shows an sshd running for {@code token}. */
  boolean listed(String token) throws Exception {
    for (JsonNode host : EventCodec.mapper().readTree(runList())) {
      if (token.equals(host.path("token").asText())) {
        return true;
      }
    }
    return false;
  }

  /** Runs the example's {@code list} with this installation's tag, as the worker would. */
  private String runList() throws Exception {
    ProcessBuilder builder = new ProcessBuilder(SCRIPTS.resolve("list").toString());
    Map<String, String> env = new HashMap<>(Map.of("SLIPWAY_SSHD_STATE", state.toString()));
    env.put("SLIPWAY_TAG", tag());
    builder.environment().putAll(env);
    Path output = Files.createTempFile(stack.work, "list", ".out");
    builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    builder.redirectOutput(output.toFile());
    builder.redirectError(ProcessBuilder.Redirect.INHERIT);
    Process process = builder.start();
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "list hung");
    assertEquals(0, process.exitValue(), "list failed");
    return Files.readString(output);
  }

  /** How many processes (sshd) run with a file of this state directory on their command line. */
  long sshdProcesses() {
    return E2eStack.processesWith(state.toString());
  }

  /** Whether something accepts TCP connections on 127.0.0.1:{@code port}. */
  static boolean listening(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
