package dev.slipway.cli;

import static dev.slipway.cli.ApiClient.path;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.cli.ApiClient.Reply;
import dev.slipway.cli.Printer.Column;
import dev.slipway.common.plan.ArtifactNames;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code slipway artifact ...}: list a build's artifacts and download one ({@code
 * /api/v1/builds/{id}/artifacts}). A download is streamed to a hidden file next to the target,
 * checked against the size and SHA-256 the listing gives, and only then renamed to the target: a
 * failed or corrupt download leaves nothing behind.
 */
@Command(
    name = "artifact",
    synopsisSubcommandLabel = "COMMAND",
    description = "List and download a build's artifacts.")
final class ArtifactCommands {

  static final String FILE = "file";
  static final String DIRECTORY = "directory";

  static final List<Column> TABLE =
      List.of(
          Column.of("NAME", "name"),
          Column.of("KIND", "kind"),
          new Column("SIZE", node -> size(node.path("sizeBytes").asLong())),
          Column.of("SHA256", "sha256"));

  @ParentCommand Main main;
  @Spec CommandSpec spec;

  @Command(
      name = "list",
      description = {
        "List a build's artifacts by name: NAME KIND SIZE SHA256.",
        "A directory artifact downloads as a tar; --json gives sizes in bytes."
      })
  int list(@Parameters(paramLabel = "BUILD", description = "The build's id.") String build) {
    main.printer().table(main.api().get(artifacts(build)), TABLE);
    return 0;
  }

  @Command(
      name = "get",
      description = {
        "Download an artifact of a build, a directory artifact as a tar, and check it against",
        "the SHA-256 the API lists for it; prints the file's path.",
        "A download that does not match is deleted and exits 1. An existing file is only",
        "replaced with --force."
      })
  int get(
      @Parameters(index = "0", paramLabel = "BUILD", description = "The build's id.") String build,
      @Parameters(index = "1", paramLabel = "NAME", description = "The artifact's name.")
          String name,
      @Option(
              names = {"-o", "--output"},
              paramLabel = "FILE",
              description =
                  "Where to write it. Default: NAME in the current directory, NAME.tar for a"
                      + " directory artifact.")
          Path output,
      @Option(names = "--force", description = "Replace FILE if it exists.") boolean force) {
    String problem = ArtifactNames.problem(name);
    if (problem != null) {
      throw usage("Invalid value for NAME: " + problem + ", not '" + name + "'");
    }
    if (output != null && Files.isDirectory(output)) {
      throw usage("'" + output + "' is a directory; -o names the file to write");
    }
    ApiClient api = main.api();
    Printer printer = main.printer();
    Reply listing = api.get(artifacts(build));
    JsonNode artifact = find(listing.json(), name);
    if (artifact == null) {
      throw new ApiClient.ApiException(
          404, "not-found", "build '" + build + "' has no artifact '" + name + "'", null);
    }
    Path target = output != null ? output : defaultFile(name, artifact.path("kind").asText());
    if (!force && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      throw usage("'" + target + "' exists; --force replaces it");
    }
    Path directory = target.toAbsolutePath().getParent();
    if (directory == null || !Files.isDirectory(directory)) {
      throw usage("directory '" + directory + "' does not exist");
    }
    Path part = directory.resolve("." + target.getFileName() + ".part-" + UUID.randomUUID());
    main.lifecycle.onShutdown(() -> deleteQuietly(part)); // Ctrl-C leaves no partial file
    try {
      Download got = download(api, artifacts(build) + "/" + name, part);
      long sizeBytes = artifact.path("sizeBytes").asLong();
      String sha256 = artifact.path("sha256").asText();
      if (got.sizeBytes() != sizeBytes || !got.sha256().equalsIgnoreCase(sha256)) {
        printer.note(
            "slipway: the download of artifact '"
                + name
                + "' of build '"
                + build
                + "' is not what the API lists: expected "
                + sizeBytes
                + " bytes, SHA-256 "
                + sha256
                + "; got "
                + got.sizeBytes()
                + " bytes, SHA-256 "
                + got.sha256()
                + "; deleted it");
        return Main.REFUSED;
      }
      move(part, target, force);
    } catch (FileAlreadyExistsException e) {
      throw usage("'" + target + "' exists; --force replaces it");
    } catch (IOException e) {
      printer.note("slipway: cannot write '" + target + "': " + ApiClient.reason(e));
      return Main.REFUSED;
    } finally {
      deleteQuietly(part);
    }
    if (main.json) {
      printer.line(artifact.toString());
    } else {
      printer.line(target.toString());
    }
    return 0;
  }

  /** What was downloaded: its size and SHA-256 (lower-case hex). */
  record Download(long sizeBytes, String sha256) {}

  /** Streams the artifact at {@code path} into the new file {@code part}, hashing it on the way. */
  private static Download download(ApiClient api, String path, Path part) throws IOException {
    MessageDigest sha256 = sha256();
    Counting counted;
    try (OutputStream file =
            Files.newOutputStream(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        Counting counting = new Counting(new BufferedOutputStream(file, 64 * 1024));
        DigestOutputStream sink = new DigestOutputStream(counting, sha256)) {
      counted = counting;
      api.stream(path, sink);
    }
    return new Download(counted.count, HexFormat.of().formatHex(sha256.digest()));
  }

  /** Renames the checked download to {@code target}, replacing it only when {@code force}. */
  private static void move(Path part, Path target, boolean force) throws IOException {
    if (!force) {
      Files.move(part, target); // FileAlreadyExistsException when one appeared meanwhile
      return;
    }
    try {
      Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Where {@code get} writes artifact {@code name} without {@code -o}: the current directory. */
  static Path defaultFile(String name, String kind) {
    return Path.of(DIRECTORY.equals(kind) ? name + ".tar" : name);
  }

  /** A size for people: {@code 512 B}, {@code 1.5 KiB}, {@code 20.0 MiB}. */
  static String size(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double value = bytes;
    int unit = -1;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
  }

  private static String artifacts(String build) {
    return path(BuildCommands.BUILDS, build) + "/artifacts";
  }

  private static JsonNode find(JsonNode listing, String name) {
    for (JsonNode artifact : listing) {
      if (name.equals(artifact.path("name").asText(null))) {
        return artifact;
      }
    }
    return null;
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.subcommands().get("get"), message);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // best effort: a hidden .part file is left
    }
  }

  /** Counts the bytes written through it. */
  private static final class Counting extends java.io.FilterOutputStream {
    long count;

    Counting(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }
  }
}
