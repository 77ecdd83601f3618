package dev.slipway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.cli.ApiClient.ApiException;
import dev.slipway.cli.FakeApi.Request;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactCommandsTest {

  static final String REPORT = "<html>rapport: größer als 0</html>\n";
  static final String TAR = "not really a tar, but the CLI keeps the bytes as they come\n";

  @TempDir Path dir;

  static String sha256(String text) throws Exception {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  static String entry(String name, String kind, long size, String sha256) {
    return "{\"name\":\""
        + name
        + "\",\"step\":\"publish\",\"kind\":\""
        + kind
        + "\",\"sizeBytes\":"
        + size
        + ",\"sha256\":\""
        + sha256
        + "\",\"createdAt\":\"2026-05-01T10:00:00Z\"}";
  }

  /** The listing of build-1: report.html (a file) and dist (a directory), as the API lists them. */
  static String listing() throws Exception {
    return "["
        + entry("dist", "directory", bytes(TAR), sha256(TAR))
        + ","
        + entry("report.html", "file", bytes(REPORT), sha256(REPORT))
        + "]";
  }

  static long bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8).length;
  }

  /** Build-1's API: the listing, and each artifact's bytes ({@code body} for report.html). */
  static FakeApi api(String listing, String reportBody) {
    return new FakeApi(
        request ->
            switch (request.path()) {
              case "api/v1/builds/build-1/artifacts" -> listing;
              case "api/v1/builds/build-1/artifacts/report.html" -> reportBody;
              case "api/v1/builds/build-1/artifacts/dist" -> TAR;
              default ->
                  throw new ApiException(
                      404, "not-found", "no such thing: " + request.path(), null);
            });
  }

  private List<Path> filesInDir() throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files.sorted().toList();
    }
  }

  @Test
  void listPrintsNameKindSizeAndSha256() throws Exception {
    String big = entry("big.iso", "file", 5L * 1024 * 1024 + 7, "ab".repeat(32));
    CliRun cli = new CliRun(new FakeApi(request -> "[" + big + "]"));

    assertEquals(0, cli.run("artifact", "list", "build-1"), cli.err());

    assertEquals("api/v1/builds/build-1/artifacts", cli.api.only("GET").path());
    assertEquals(
        List.of("NAME     KIND  SIZE     SHA256", "big.iso  file  5.0 MiB  " + "ab".repeat(32)),
        cli.out().lines().toList());
  }

  @Test
  void listWithJsonPrintsWhatTheApiReturned() throws Exception {
    String listing = listing();
    CliRun cli = new CliRun(new FakeApi(request -> listing));

    assertEquals(0, cli.run("--json", "artifact", "list", "build-1"), cli.err());

    assertEquals(listing + System.lineSeparator(), cli.out());
  }

  @Test
  void getStreamsTheArtifactToTheFileChecksItAndPrintsThePath() throws Exception {
    CliRun cli = new CliRun(api(listing(), REPORT));
    Path file = dir.resolve("report.html");

    assertEquals(
        0, cli.run("artifact", "get", "build-1", "report.html", "-o", file.toString()), cli.err());

    assertEquals(
        List.of("api/v1/builds/build-1/artifacts", "api/v1/builds/build-1/artifacts/report.html"),
        cli.api.requests.stream().map(Request::path).toList());
    assertEquals(REPORT, Files.readString(file, StandardCharsets.UTF_8));
    assertEquals(file + System.lineSeparator(), cli.out());
    assertEquals(List.of(file), filesInDir(), "no partial file is left");
  }

  @Test
  void aDirectoryArtifactIsATarByDefault() throws Exception {
    assertEquals(Path.of("dist.tar"), ArtifactCommands.defaultFile("dist", "directory"));
    assertEquals(Path.of("report.html"), ArtifactCommands.defaultFile("report.html", "file"));

    CliRun cli = new CliRun(api(listing(), REPORT));
    Path file = dir.resolve("site.tar");
    assertEquals(
        0, cli.run("artifact", "get", "build-1", "dist", "--output", file.toString()), cli.err());
    assertEquals(TAR, Files.readString(file, StandardCharsets.UTF_8));
  }

  @Test
  void anExistingFileIsReplacedOnlyWithForce() throws Exception {
    Path file = dir.resolve("report.html");
    Files.writeString(file, "mine");
    CliRun cli = new CliRun(api(listing(), REPORT));

    assertEquals(2, cli.run("artifact", "get", "build-1", "report.html", "-o", file.toString()));

    assertTrue(cli.err().contains("'" + file + "' exists; --force replaces it"), cli.err());
    assertEquals("mine", Files.readString(file));
    assertTrue(
        cli.api.requests.stream().noneMatch(r -> r.path().endsWith("/report.html")),
        "nothing downloaded: " + cli.api.requests);

    CliRun forced = new CliRun(api(listing(), REPORT));
    assertEquals(
        0,
        forced.run("artifact", "get", "build-1", "report.html", "-o", file.toString(), "--force"),
        forced.err());
    assertEquals(REPORT, Files.readString(file, StandardCharsets.UTF_8));
    assertEquals(List.of(file), filesInDir());
  }

  @Test
  void aDownloadThatDoesNotMatchItsSha256IsDeletedAndExitsOne() throws Exception {
    CliRun cli = new CliRun(api(listing(), REPORT.replace("rapport", "RAPPORT")));
    Path file = dir.resolve("report.html");

    assertEquals(1, cli.run("artifact", "get", "build-1", "report.html", "-o", file.toString()));

    assertTrue(
        cli.err().contains("the download of artifact 'report.html' of build 'build-1' is not what"),
        cli.err());
    assertTrue(cli.err().contains("SHA-256 " + sha256(REPORT)), cli.err());
    assertTrue(cli.err().contains("deleted it"), cli.err());
    assertEquals("", cli.out());
    assertEquals(List.of(), filesInDir(), "neither the file nor a partial one is left");
  }

  @Test
  void aTruncatedDownloadIsDeletedToo() throws Exception {
    CliRun cli = new CliRun(api(listing(), REPORT.substring(0, 10)));

    assertEquals(
        1,
        cli.run(
            "artifact", "get", "build-1", "report.html", "-o", dir.resolve("r.html").toString()));

    assertTrue(cli.err().contains("expected " + bytes(REPORT) + " bytes"), cli.err());
    assertEquals(List.of(), filesInDir());
  }

  @Test
  void anArtifactTheBuildDoesNotHaveIsRefused() throws Exception {
    CliRun cli = new CliRun(api(listing(), REPORT));

    assertEquals(
        1, cli.run("artifact", "get", "build-1", "nope.txt", "-o", dir.resolve("x").toString()));

    assertEquals("slipway: build 'build-1' has no artifact 'nope.txt'", cli.err().strip());
    assertEquals(1, cli.api.requests.size());
    assertEquals(List.of(), filesInDir());
  }

  @Test
  void anErrorOfTheDownloadIsTheApisAndLeavesNothing() throws Exception {
    String listing = listing();
    CliRun cli =
        new CliRun(
            new FakeApi(
                request -> {
                  if (request.path().endsWith("/artifacts")) {
                    return listing;
                  }
                  throw new ApiException(
                      500,
                      "internal",
                      "artifact 'report.html' of build 'build-1' is missing from the artifact"
                          + " store",
                      null);
                }));

    assertEquals(
        1,
        cli.run(
            "artifact",
            "get",
            "build-1",
            "report.html",
            "-o",
            dir.resolve("report.html").toString()));

    assertEquals(
        "slipway: artifact 'report.html' of build 'build-1' is missing from the artifact store",
        cli.err().strip());
    assertEquals(List.of(), filesInDir());
  }

  @Test
  void aNameThatIsNoArtifactNameIsAUsageError() {
    CliRun cli = new CliRun(new FakeApi(request -> "[]"));

    assertEquals(2, cli.run("artifact", "get", "build-1", "../etc/passwd"));

    assertTrue(cli.err().contains("an artifact name must match"), cli.err());
    assertTrue(cli.api.requests.isEmpty());
  }

  @Test
  void anOutputThatIsADirectoryIsAUsageError() {
    CliRun cli = new CliRun(new FakeApi(request -> "[]"));

    assertEquals(2, cli.run("artifact", "get", "build-1", "a.txt", "-o", dir.toString()));

    assertTrue(cli.err().contains("is a directory"), cli.err());
    assertTrue(cli.api.requests.isEmpty());
  }

  @Test
  void sizesAreForPeople() {
    assertEquals("0 B", ArtifactCommands.size(0));
    assertEquals("1023 B", ArtifactCommands.size(1023));
    assertEquals("1.0 KiB", ArtifactCommands.size(1024));
    assertEquals("1.5 KiB", ArtifactCommands.size(1536));
    assertEquals("5.0 MiB", ArtifactCommands.size(5L * 1024 * 1024 + 7));
    assertEquals("2.0 GiB", ArtifactCommands.size(2L * 1024 * 1024 * 1024));
    assertFalse(ArtifactCommands.size(Long.MAX_VALUE).isEmpty());
  }
}
