package dev.slipway.common.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What a host's workingCopyRoot may be. */
class WorkingCopyRootsTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        ".slipway/working-copies",
        "/srv/ci/working-copies",
        "/Users/ci/Library/Application Support/slipway",
        "builds/wc-2024_01+x,y@z=1:2",
        "./copies",
        "/data/ünïcødé/copies",
        "/home/ci~old/wc",
        "copies/"
      })
  void acceptsPlainPaths(String root) {
    assertNull(WorkingCopyRoots.problem(root), root);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "   ",
        "-rf",
        "--upload-pack=x",
        "~/copies",
        "../copies",
        "/srv/../etc",
        "copies/..",
        "/",
        ".",
        "a\nb",
        "a\rb",
        "a\tb",
        "a\u0000b",
        "a\u007fb",
        " /srv/wc",
        "/srv/wc ",
        "/tmp/x'; touch /tmp/pwned; '",
        "/tmp/$(touch pwned)",
        "/tmp/`touch pwned`",
        "/tmp/${HOME}",
        "/tmp/a\"b",
        "/tmp/a\\b",
        "/tmp/%d",
        "/tmp/a;b",
        "/tmp/a|b",
        "/tmp/a&b",
        "/tmp/a>b",
        "/tmp/*",
        "C:\\ci\\copies"
      })
  void refusesWithAMessageNamingTheField(String root) {
    String problem = WorkingCopyRoots.problem(root);
    assertNotNull(problem, root);
    assertTrue(problem.startsWith("workingCopyRoot "), problem);
  }

  @ParameterizedTest
  @ValueSource(ints = {1000, 1001})
  void isAtMostAThousandCharactersLong(int length) {
    String root = "/" + "a".repeat(length - 1);
    assertEquals(length <= WorkingCopyRoots.MAX_LENGTH, WorkingCopyRoots.problem(root) == null);
  }

  @Test
  void namesTheCharacterItRefuses() {
    String problem = WorkingCopyRoots.problem("/tmp/x'y");
    assertTrue(problem.endsWith("(not ')"), problem);
  }

  @Test
  void nullIsRefused() {
    assertNotNull(WorkingCopyRoots.problem(null));
  }
}
