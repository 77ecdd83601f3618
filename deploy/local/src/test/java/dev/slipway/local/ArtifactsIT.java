package dev.slipway.local;

import static dev.slipway.local.WorkingCopyFixture.BUILD_TIMEOUT;
import static dev.slipway.local.WorkingCopyFixture.step;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Artifacts on the real system: upload-artifact copies from a lease's directory into the store over
 * SFTP, download-artifact puts it on another lease (another host), byte for byte.
 */
class ArtifactsIT {

  static E2eStack stack;

  @BeforeAll
  static void start() throws Exception {
    stack = E2eStack.get();
  }

  @Test
  void aWorkingCopyBuildUploadsAnArtifactAndDownloadsItByteIdentical() throws Exception {
    WorkingCopyFixture.Repository repo = WorkingCopyFixture.repository();
    String pool = stack.register(stack.sshHost(), 1);
    String plan =
        stack.savePlan(
            "steps:\n"
                + WorkingCopyFixture.onLeasedHost("pool: " + pool)
                + """
                  - name: compile
                    kind: run
                    on: src
                    command: |
                      mkdir -p out/docs/deep
                      head -c 300000 /dev/urandom > out/app.bin
                      echo doc > out/docs/deep/readme.txt
                      sha256sum out/app.bin
                  - {name: keep, kind: upload-artifact, from: src, path: out/app.bin,
                     artifact: app.bin}
                  - {name: keep-docs, kind: upload-artifact, from: src, path: out/docs,
                     artifact: docs}
                  - {name: keep-bins, kind: upload-artifact, from: src, path: 'out/*.bin',
                     artifact: bins}
                  - {name: fetch, kind: download-artifact, artifact: app.bin, on: src,
                     path: 'received/${build.number}/app.bin'}
                  - {name: fetch-docs, kind: download-artifact, artifact: docs, on: src}
                  - name: compare
                    kind: run
                    on: src
                    command: |
                      cmp out/app.bin received/*/app.bin && echo same-bytes
                      cat docs/deep/readme.txt
                """);
    String build = stack.api.submitBuild(plan, repo.uri(), repo.a(), "main");
    JsonNode finished = stack.api.awaitFinished(build, BUILD_TIMEOUT);
    String log = stack.api.log(build);
    assertEquals("passed", finished.get("status").asText(), finished + "\n" + log);
    assertTrue(log.contains("same-bytes"), log);
    assertTrue(log.contains("doc\n"), log);

    Matcher printed = Pattern.compile("([0-9a-f]{64})  out/app.bin").matcher(log);
    assertTrue(printed.find(), log);
    Map<String, JsonNode> listed = new HashMap<>();
    stack
        .api
        .get("api/v1/builds/" + build + "/artifacts")
        .ok()
        .forEach(a -> listed.put(a.get("name").asText(), a));
    assertEquals(java.util.Set.of("app.bin", "docs", "bins"), listed.keySet());
    JsonNode app = listed.get("app.bin");
    assertEquals("file", app.get("kind").asText());
    assertEquals(300000, app.get("sizeBytes").asLong());
    assertEquals(printed.group(1), app.get("sha256").asText(), "the host's sha256 is listed");
    byte[] served = download(build, "app.bin");
    assertEquals(printed.group(1), sha256(served), "the API serves the very bytes");
    assertEquals("directory", listed.get("docs").get("kind").asText());
    assertEquals("directory", listed.get("bins").get("kind").asText());
    assertEquals(
        java.util.List.of("deep/", "deep/readme.txt"), tarEntries(download(build, "docs")));
    assertEquals(java.util.List.of("out/", "out/app.bin"), tarEntries(download(build, "bins")));
    assertTrue(log.contains("sha256 " + printed.group(1)), "the upload step logs what it kept");
    // the copy's lease said where its commands and copies ran: its directory on its host
    JsonNode copyLease = stack.api.lease(step(finished, "src").get("leaseId").asText());
    JsonNode copy = null;
    for (JsonNode r : stack.api.resources("working-copy", Map.of())) {
      if (r.get("id").asText().equals(copyLease.get("resourceId").asText())) {
        copy = r;
      }
    }
    assertEquals(copy.get("hostId").asText(), copyLease.get("commandHost").asText(), copy + "");
    assertEquals(copy.get("path").asText(), copyLease.get("commandDirectory").asText());
    stack.assertLeasesReleased(build, 2);
  }

  @Test
  void aFileBuiltOnOneHostIsHandedToAnotherWhileIndependentStepsOverlap() throws Exception {
    E2eStack.HostWithHome linuxHost = stack.sshHostWithHome();
    E2eStack.HostWithHome macHost = stack.sshHostWithHome();
    String linux = E2eStack.newPool();
    String mac = E2eStack.newPool();
    stack.registerHost(
        linuxHost.ssh(),
        linuxHost.ssh().clientPrivateKeyPem(),
        "al-" + linux,
        "linux",
        Map.of("pool", linux),
        1);
    stack.registerHost(
        macHost.ssh(),
        macHost.ssh().clientPrivateKeyPem(),
        "am-" + mac,
        "macos",
        Map.of("pool", mac),
        1);
    String plan =
        stack.savePlan(
            """
            steps:
              - {name: l, kind: lease-host, attributes: {pool: LINUX}}
              - {name: m, kind: lease-host, attributes: {pool: MAC}, depends_on: []}
              - name: make
                kind: run
                on: l
                depends_on: []
                command: 'sleep 3; mkdir -p dist; echo built on linux ${build.id} > dist/tool'
              - {name: warm, kind: run, on: m, command: sleep 3, depends_on: []}
              - {name: keep, kind: upload-artifact, from: l, path: dist/tool, artifact: tool,
                 depends_on: [make]}
              - {name: hand, kind: download-artifact, artifact: tool, on: m, path: in/tool,
                 depends_on: [keep, warm]}
              - {name: use, kind: run, on: m, command: cat in/tool}
            """
                .replace("LINUX", linux)
                .replace("MAC", mac));
    String build = stack.api.submitBuild(plan);
    JsonNode finished = stack.api.awaitFinished(build, BUILD_TIMEOUT);
    String log = stack.api.log(build);
    assertEquals("passed", finished.get("status").asText(), finished + "\n" + log);
    Instant make0 = at(step(finished, "make"), "startedAt");
    Instant make1 = at(step(finished, "make"), "finishedAt");
    Instant warm0 = at(step(finished, "warm"), "startedAt");
    Instant warm1 = at(step(finished, "warm"), "finishedAt");
    assertTrue(make0.isBefore(warm1) && warm0.isBefore(make1), "no overlap: " + finished);
    assertTrue(log.contains("built on linux " + build), log);
    // the file went from one host's directory to the other's
    assertEquals(
        "built on linux " + build + "\n", Files.readString(macHost.home().resolve("in/tool")));
    assertFalse(Files.exists(linuxHost.home().resolve("in")));
    stack.assertLeasesReleased(build, 2);
  }

  @Test
  void anUploadOfAPathLeavingTheDirectoryFailsTheStepAndStoresNothing() throws Exception {
    E2eStack.HostWithHome host = stack.sshHostWithHome();
    Files.createSymbolicLink(host.home().resolve("escape"), Path.of("/etc"));
    String pool = stack.register(host.ssh(), 1);
    String plan =
        stack.savePlan(
            """
            steps:
              - {name: h, kind: lease-host, attributes: {pool: POOL}}
              - {name: steal, kind: upload-artifact, from: h, path: escape/hostname,
                 artifact: stolen}
              - {name: after, kind: run, on: h, command: echo not reached}
            """
                .replace("POOL", pool));
    String build = stack.api.submitBuild(plan);
    JsonNode finished = stack.api.awaitFinished(build, BUILD_TIMEOUT);
    assertEquals("failed", finished.get("status").asText(), finished.toString());
    assertEquals("failed", step(finished, "steal").get("status").asText());
    String reason = step(finished, "steal").get("reason").asText();
    assertTrue(
        reason.contains("escape/hostname") && reason.contains("outside the working directory"),
        reason);
    assertEquals("skipped", step(finished, "after").get("status").asText());
    assertEquals(0, stack.api.get("api/v1/builds/" + build + "/artifacts").ok().size());
    stack.assertLeasesReleased(build);
  }

  private static Instant at(JsonNode step, String field) {
    return Instant.parse(step.get(field).asText());
  }

  private static byte[] download(String build, String name) throws Exception {
    HttpResponse<byte[]> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            stack.services.apiUrl()
                                + "/api/v1/builds/"
                                + build
                                + "/artifacts/"
                                + name))
                    .header("Authorization", "Bearer " + stack.adminToken)
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, response.statusCode(), new String(response.body()));
    return response.body();
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  /** The entries of a tar, as {@code tar -tf} lists them. */
  private static java.util.List<String> tarEntries(byte[] tar) throws Exception {
    Path file = Files.createTempFile(stack.work, "artifact", ".tar");
    Files.write(file, tar);
    Process p = new ProcessBuilder("tar", "-tf", file.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), out);
    return out.lines().map(l -> l.startsWith("./") ? l.substring(2) : l).sorted().toList();
  }
}
