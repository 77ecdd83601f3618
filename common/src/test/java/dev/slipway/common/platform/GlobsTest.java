package dev.slipway.common.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.regex.PatternSyntaxException;
import org.junit.jupiter.api.Test;

class GlobsTest {

  /** Java's own glob matcher: the meaning {@link Globs} keeps. */
  private static Boolean java(String glob, String path) {
    PathMatcher matcher;
    try {
      matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
    } catch (PatternSyntaxException e) {
      return null;
    }
    return matcher.matches(Path.of(path));
  }

  @Test
  void matchesAsJavasGlobDoes() {
    List<String> globs =
        List.of(
            "out/*.txt",
            "**/*.txt",
            "out/**.txt",
            "out/**",
            "ou?/s*",
            "out/{sub,nothing}",
            "{out/sub,top.txt}",
            "*.{jar,war}",
            "[a-c]*",
            "[!a-c]*",
            "[-a]x",
            "[a-]x",
            "[^a]x",
            "a\\*b",
            "***",
            "*/*/*",
            "café/*.txt",
            "{,x}y",
            "a,b}",
            "build/libs/*.jar");
    List<String> paths =
        List.of(
            "out/a.txt",
            "out/sub/d.txt",
            "out/sub",
            "top.txt",
            "out",
            "a.jar",
            "b.war",
            "c.ear",
            "ax",
            "-x",
            "^x",
            "bx",
            "a*b",
            "axb",
            "a/b/c",
            "a/b",
            "café/ü.txt",
            "y",
            "xy",
            "a,b}",
            "build/libs/app.jar",
            "build/libs/sub/app.jar",
            "dx");
    for (String glob : globs) {
      Globs.Glob compiled = Globs.compile(glob);
      for (String path : paths) {
        assertEquals(java(glob, path), compiled.matches(path), glob + " against " + path);
      }
    }
  }

  @Test
  void agreesWithJavaOnRandomGlobs() {
    Random random = new Random(7);
    String globAlphabet = "ab/*?[]!-{},";
    String pathAlphabet = "ab/-,{}!";
    int compared = 0;
    for (int round = 0; round < 20_000; round++) {
      String glob = random(random, globAlphabet, 1 + random.nextInt(8));
      Boolean valid = java(glob, "a") != null;
      String problem = Globs.globProblem(glob);
      if (!valid) {
        // Java's regular expression breaks where a range ends in '[' (it does not escape it)
        assertTrue(
            problem != null || glob.contains("-["), "Java refuses '" + glob + "', Globs does not");
        continue;
      }
      if (problem != null) {
        // only where Java makes a regular expression that means nothing sensible: "[]", "[!]"
        assertTrue(problem.contains("is empty"), glob + ": " + problem);
        continue;
      }
      Globs.Glob compiled = Globs.compile(glob);
      for (int p = 0; p < 10; p++) {
        String path = random(random, pathAlphabet, 1 + random.nextInt(8));
        if (path.startsWith("/") || path.endsWith("/") || path.contains("//")) {
          continue; // Path.of would change it
        }
        assertEquals(java(glob, path), compiled.matches(path), glob + " against " + path);
        compared++;
      }
    }
    assertTrue(compared > 10_000, "compared " + compared);
  }

  private static String random(Random random, String alphabet, int length) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < length; i++) {
      text.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return text.toString();
  }

  @Test
  void aGlobThatMakesJavaBacktrackMatchesInAnInstant() {
    String name = "a".repeat(121);
    assertTimeoutPreemptively(
        Duration.ofSeconds(2),
        () -> {
          assertFalse(Globs.matches("*a*a*a*a*a*a*b", name));
          assertFalse(Globs.matches("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", name + name));
          assertFalse(Globs.matches("**a**a**a**a**a**a**a**a**b", (name + "/").repeat(30)));
          assertTrue(Globs.matches("*a*a*a*a*a*a*a", name));
        });
  }

  @Test
  void globProblemsSayWhatIsWrong() {
    assertNull(Globs.globProblem("out/*.jar"));
    assertNull(Globs.globProblem("dist/**"));
    assertNull(Globs.globProblem("plain/path.txt"));
    assertNull(Globs.globProblem("x".repeat(Globs.MAX_LENGTH)));
    assertTrue(Globs.globProblem("x".repeat(Globs.MAX_LENGTH + 1)).contains("more than 256"));
    assertTrue(Globs.globProblem("").contains("empty"));
    assertTrue(Globs.globProblem(null).contains("empty"));
    assertTrue(Globs.globProblem("out/[a-z.jar").contains("missing ']'"));
    assertTrue(Globs.globProblem("out/{a,b").contains("missing '}'"));
    assertTrue(Globs.globProblem("{a,{b}}").contains("nest"));
    assertTrue(Globs.globProblem("[a/b]").contains("'/'"));
    assertTrue(Globs.globProblem("[z-a]").contains("range"));
    assertTrue(Globs.globProblem("x\\").contains("escape"));
    assertTrue(Globs.globProblem("[]").contains("empty"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Globs.compile("out/[a-z.jar"));
    assertEquals(Globs.globProblem("out/[a-z.jar"), e.getMessage());
  }

  @Test
  void isGlobSeesTheWildcards() {
    assertTrue(Globs.isGlob("out/*.jar"));
    assertTrue(Globs.isGlob("a?"));
    assertTrue(Globs.isGlob("[ab]"));
    assertTrue(Globs.isGlob("{a,b}"));
    assertFalse(Globs.isGlob("out/app.jar"));
  }
}
