package dev.slipway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.cli.Credentials.Resolved;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the server and the token come from: the first source given wins. */
class CredentialsTest {

  static final URI ELSEWHERE = URI.create("https://slipway.example.com");

  @TempDir Path dir;
  final Map<String, String> env = new HashMap<>();
  final List<String> warnings = new ArrayList<>();
  Path localTokenFile;

  @BeforeEach
  void home() {
    env.put("HOME", dir.resolve("home").toString());
    localTokenFile = dir.resolve("repo/.slipway/admin.token");
  }

  @Test
  void eachSourceWinsOverTheOnesAfterIt() throws IOException {
    secret(localTokenFile, "from-local");
    assertEquals("from-local", resolveToken(null, null), "the local stack's token comes last");

    saveConfig(Credentials.LOCAL_SERVER, "from-config");
    assertEquals("from-config", resolveToken(null, null));

    env.put("SLIPWAY_TOKEN_FILE", secret(dir.resolve("env-file"), "from-env-file").toString());
    assertEquals("from-env-file", resolveToken(null, null));

    env.put("SLIPWAY_TOKEN", "from-env");
    assertEquals("from-env", resolveToken(null, null));

    Path option = secret(dir.resolve("option-file"), "from-option\n");
    assertEquals("from-option", resolveToken(null, option));
    assertTrue(warnings.isEmpty(), warnings.toString());
  }

  @Test
  void withoutAnySourceThereIsNoToken() {
    Resolved resolved = resolve(null, null);
    assertEquals(Credentials.LOCAL_SERVER, resolved.server());
    assertNull(resolved.token());
  }

  @Test
  void savedServerIsTheDefaultAndItsTokenServesOnlyThatServer() throws IOException {
    saveConfig(ELSEWHERE, "saved");

    assertEquals(new Resolved(ELSEWHERE, "saved"), resolve(null, null));
    assertEquals("saved", resolveToken(URI.create("https://SLIPWAY.example.com:443/"), null));
    assertNull(resolveToken(URI.create("https://other.example.com"), null));

    env.put("SLIPWAY_SERVER", "http://ci.example.com:8080");
    assertEquals(URI.create("http://ci.example.com:8080"), resolve(null, null).server());
    assertNull(resolve(null, null).token(), "the saved token is not sent to another server");
    assertEquals(ELSEWHERE, resolve(ELSEWHERE, null).server(), "--server beats $SLIPWAY_SERVER");
  }

  @Test
  void localStacksTokenServesOnlyTheLocalDefaultServer() throws IOException {
    secret(localTokenFile, "local-admin");

    assertEquals("local-admin", resolveToken(null, null));
    assertEquals("local-admin", resolveToken(URI.create("http://localhost:8080/"), null));
    assertNull(resolveToken(URI.create("http://127.0.0.1:9090"), null));
    assertNull(resolveToken(ELSEWHERE, null));
  }

  @Test
  void localStackOnAnotherPortIsFoundByItsServerFileAndGetsItsToken() throws IOException {
    secret(localTokenFile, "local-admin");
    Path serverFile = localTokenFile.resolveSibling("server");
    Files.writeString(serverFile, "http://127.0.0.1:28580\n");

    assertEquals(
        new Resolved(URI.create("http://127.0.0.1:28580"), "local-admin"), resolve(null, null));
    assertEquals("local-admin", resolveToken(URI.create("http://localhost:28580/"), null));
    assertNull(resolveToken(Credentials.LOCAL_SERVER, null), "8080 is not that stack");

    saveConfig(ELSEWHERE, "saved");
    assertEquals(new Resolved(ELSEWHERE, "saved"), resolve(null, null), "login wins");
  }

  @Test
  void serverFileNotNamingThisMachineIsIgnoredAndTheTokenStaysHome() throws IOException {
    secret(localTokenFile, "local-admin");
    Path serverFile = localTokenFile.resolveSibling("server");
    for (String written :
        new String[] {"http://attacker.example.com:8080", "https://127.0.0.1:8080", "not a url"}) {
      Files.writeString(serverFile, written);
      assertEquals(new Resolved(Credentials.LOCAL_SERVER, "local-admin"), resolve(null, null));
      assertNull(resolveToken(URI.create("http://attacker.example.com:8080"), null), written);
    }
  }

  @Test
  void configHomeFollowsXdgConfigHome() {
    env.put("XDG_CONFIG_HOME", dir.resolve("xdg").toString());
    assertEquals(dir.resolve("xdg/slipway/config"), environment().configFile());
    env.remove("XDG_CONFIG_HOME");
    assertEquals(dir.resolve("home/.config/slipway/config"), environment().configFile());
  }

  @Test
  void tokenFileOthersMayReadIsUsedWithAWarningNamingItButNotTheToken() throws IOException {
    Path file = secret(dir.resolve("open"), "open-secret");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

    assertEquals("open-secret", resolveToken(null, file));

    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains(file + " holds a token but others may read it"));
    assertTrue(warnings.get(0).contains("chmod 600"), warnings.get(0));
    assertFalse(warnings.get(0).contains("open-secret"));
  }

  @Test
  void savedConfigOthersMayReadWarnsOnlyWhenItsTokenIsUsed() throws IOException {
    saveConfig(Credentials.LOCAL_SERVER, "saved");
    Path config = environment().configFile();
    Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r-----"));
    env.put("SLIPWAY_TOKEN", "from-env");
    assertEquals("from-env", resolveToken(null, null));
    assertTrue(warnings.isEmpty(), warnings.toString());

    env.remove("SLIPWAY_TOKEN");
    assertEquals("saved", resolveToken(null, null));
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).contains(config + " holds a token"), warnings.get(0));
  }

  @Test
  void unusableTokenSourcesAreRefusedNamingThem() throws IOException {
    var missing =
        assertThrows(
            IllegalArgumentException.class, () -> resolve(null, dir.resolve("no-such-file")));
    assertEquals(
        "--token-file: cannot read " + dir.resolve("no-such-file") + ": no such file",
        missing.getMessage());

    var endless =
        assertThrows(IllegalArgumentException.class, () -> resolve(null, Path.of("/dev/zero")));
    assertTrue(
        endless.getMessage().startsWith("--token-file: cannot read /dev/zero: larger than"),
        endless.getMessage());

    Path empty = secret(dir.resolve("empty"), "\n");
    var blank = assertThrows(IllegalArgumentException.class, () -> resolve(null, empty));
    assertEquals("--token-file " + empty + " holds no token", blank.getMessage());

    env.put("SLIPWAY_TOKEN", "two words");
    var spaced = assertThrows(IllegalArgumentException.class, () -> resolve(null, null));
    assertEquals(
        "SLIPWAY_TOKEN does not hold one token (one line, no spaces)", spaced.getMessage());
  }

  @Test
  void resolvedNeverPrintsItsToken() {
    assertFalse(new Resolved(ELSEWHERE, "slw_secret").toString().contains("slw_secret"));
  }

  private String resolveToken(URI server, Path tokenFile) {
    return resolve(server, tokenFile).token();
  }

  private Resolved resolve(URI server, Path tokenFile) {
    return Credentials.resolve(server, tokenFile, environment(), warnings::add);
  }

  private Environment environment() {
    return new Environment(
        Map.copyOf(env), localTokenFile, null, new ByteArrayInputStream(new byte[0]));
  }

  private void saveConfig(URI server, String token) {
    new ConfigFile(environment().configFile()).write(server, token);
  }

  /** An owner-only file holding {@code text}. */
  static Path secret(Path file, String text) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, Secrets.OWNER_ONLY);
    return file;
  }
}
