package dev.slipway.worker.artifact;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.worker.ssh.TransferRefused;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Artifact transfers against an SFTP server that lies in its directory listings ({@link
 * HostileSftpHost}), as one a build swapped in could: names that climb out ({@code ../../x}),
 * absolute names, names with {@code /}, a backslash or NUL. None of them may make the runner write
 * outside its temporary directory. The server is honest otherwise, so the whole contract holds for
 * it too.
 */
class HostileSshdArtifactTransfersIT extends ArtifactTransfersContract {

  @TempDir static Path dir;

  static HostileSftpHost hostile;

  @BeforeAll
  static void startHost() throws Exception {
    hostile = HostileSftpHost.start(dir);
    start(hostile, dir);
  }

  @AfterEach
  void honestAgain() {
    hostile.renames.clear();
  }

  @Test
  void aListedNameThatClimbsOutIsRefusedAndNothingIsWrittenOutside() throws Exception {
    String escape = "climbed-" + UUID.randomUUID();
    Files.createDirectories(base.resolve("tree"));
    Files.writeString(base.resolve("tree/ok.txt"), "ok");
    Files.writeString(base.resolve("tree/climber"), "evil");
    // what tree/../../<escape> is on the host, so that the server can serve it
    Files.writeString(base.getParent().resolve(escape), "evil");
    hostile.renames.put("climber", "../../" + escape);

    TransferRefused refused =
        assertThrows(TransferRefused.class, () -> fetch("tree", "tree", NO_LIMIT));

    assertTrue(refused.getMessage().contains("'../../" + escape + "'"), refused.getMessage());
    // tree's local copy is <scratch>/<temporary>/content: ../../ of it is the scratch directory
    assertFalse(Files.exists(scratch.resolve(escape)), "written outside the temporary directory");
    assertThrows(NoSuchFileException.class, () -> store.open(build, "tree"));
  }

  @Test
  void anAbsoluteListedNameIsRefusedAndNothingIsWrittenThere() throws Exception {
    Path outside = workDir.resolve("absolute-" + UUID.randomUUID());
    Files.createDirectories(base.resolve("tree"));
    Files.writeString(base.resolve("tree/absolute"), "evil");
    // what tree/<outside> is on the host ("tree//tmp/..."), so that the server can serve it
    Path served = base.resolve("tree").resolve(outside.toString().substring(1));
    Files.createDirectories(served.getParent());
    Files.writeString(served, "evil");
    hostile.renames.put("absolute", outside.toString());

    TransferRefused refused =
        assertThrows(TransferRefused.class, () -> fetch("tree", "tree", NO_LIMIT));

    assertTrue(refused.getMessage().contains(outside.toString()), refused.getMessage());
    assertFalse(Files.exists(outside), "written to the absolute path the host listed");
  }

  @Test
  void aGlobsWalkRefusesAListedNameWithASlash() throws Exception {
    String escape = "globbed-" + UUID.randomUUID();
    Files.createDirectories(base.resolve("tree"));
    Files.writeString(base.resolve("tree/slashed"), "evil");
    // the host has <root>/tree/../../../../<escape>/x: <root> is <dir>/host/<id>
    Path served = dir.getParent().resolve(escape).resolve("x");
    Files.createDirectories(served.getParent());
    Files.writeString(served, "evil");
    try {
      hostile.renames.put("slashed", "../../../../" + escape + "/x");

      TransferRefused refused =
          assertThrows(TransferRefused.class, () -> fetch("tree/**", "globbed", NO_LIMIT));

      assertTrue(refused.getMessage().contains(escape), refused.getMessage());
      // the match's local directory would be <scratch>/<temporary>/content/tree/../../../../
      assertFalse(Files.exists(dir.resolve(escape)), "a directory was made outside");
      assertThrows(NoSuchFileException.class, () -> store.open(build, "globbed"));
    } finally {
      Files.deleteIfExists(served);
      Files.deleteIfExists(served.getParent());
    }
  }

  @Test
  void listedNamesThatAreNoFileNamesAreRefusedBothWays() throws Exception {
    int i = 0;
    for (String name : List.of("a\\b", "nul\0name", "", "in/side", "..\\..\\x")) {
      String tree = "tree-" + i++;
      Files.createDirectories(base.resolve(tree));
      Files.writeString(base.resolve(tree).resolve("ok.txt"), "ok");
      String real = "bad-" + UUID.randomUUID();
      Files.writeString(base.resolve(tree).resolve(real), "bad");
      hostile.renames.put(real, name);

      TransferRefused copied =
          assertThrows(TransferRefused.class, () -> fetch(tree, "bad", NO_LIMIT), name);
      assertTrue(copied.getMessage().contains("no file name"), copied.getMessage());
      TransferRefused globbed =
          assertThrows(TransferRefused.class, () -> fetch(tree + "/*", "bad", NO_LIMIT), name);
      assertTrue(globbed.getMessage().contains("no file name"), globbed.getMessage());
    }
    assertThrows(NoSuchFileException.class, () -> store.open(build, "bad"));
  }
}
