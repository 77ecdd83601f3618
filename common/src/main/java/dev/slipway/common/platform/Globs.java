package dev.slipway.common.platform;

import java.util.ArrayList;
import java.util.List;

/**
 * Globs over {@code /}-separated relative paths (an {@code upload-artifact} step's {@code path}),
 * matched in time linear in the path: no regular expression, no backtracking. A glob that would pin
 * a thread (such as {@code *a*a*a*a*a*a*b} against a long name, which takes Java's {@code glob:}
 * {@link java.nio.file.PathMatcher} minutes) costs at most {@code path length × glob length} steps
 * here.
 *
 * <p>The syntax and meaning are those of Java's {@code glob:} syntax ({@link
 * java.nio.file.FileSystem#getPathMatcher}) on a POSIX file system, matched against the whole path:
 *
 * <ul>
 *   <li>{@code *}: any characters but {@code /} (it stays within one directory);
 *   <li>{@code **}: any characters, {@code /} included (it crosses directories: {@code **}{@code
 *       /*.txt} needs at least one {@code /}, {@code dist/**} takes everything below {@code dist});
 *   <li>{@code ?}: one character but {@code /};
 *   <li>{@code [abc]}, {@code [a-z]}, {@code [!a-z]} (negated): one character of a class, never
 *       {@code /} (a {@code /} in a class is an error; {@code -} first or last is itself);
 *   <li><code>{a,b}</code>: one of the comma-separated globs (which may hold the above, but no
 *       group); groups do not nest;
 *   <li>{@code \}: the next character as it is;
 *   <li>anything else: itself.
 * </ul>
 *
 * <p>A glob has at most {@value #MAX_LENGTH} characters ({@link #globProblem}). It is matched by
 * simulating the nondeterministic automaton the glob describes, all its states at once (a Thompson
 * simulation).
 */
public final class Globs {

  /** The most characters a glob may have. */
  public static final int MAX_LENGTH = 256;

  private Globs() {}

  /** Whether {@code path} is a glob: it has a {@code *}, {@code ?}, {@code [} or <code>{</code>. */
  public static boolean isGlob(String path) {
    return path.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{');
  }

  /**
   * Why {@code glob} is no glob {@link #compile} accepts: empty, longer than {@value #MAX_LENGTH}
   * characters, or its syntax (an unclosed {@code [} or <code>{</code>, a nested group, a {@code /}
   * in a class, a bad range, a trailing {@code \}); null when it is one. A path without wildcards
   * is a glob too (it matches itself). Whether the path stays inside its directory is {@link
   * RelativePaths#problem}'s to say.
   */
  public static String globProblem(String glob) {
    if (glob == null || glob.isEmpty()) {
      return "an empty glob matches nothing";
    }
    if (glob.length() > MAX_LENGTH) {
      return "the glob '"
          + glob.substring(0, 40)
          + "…' has "
          + glob.length()
          + " characters, more than "
          + MAX_LENGTH;
    }
    try {
      new Parser(glob).parse();
      return null;
    } catch (IllegalArgumentException e) {
      return "'" + glob + "' is no glob: " + e.getMessage();
    }
  }

  /**
   * {@code glob} ready to match.
   *
   * @throws IllegalArgumentException with {@link #globProblem}'s words when it is no glob
   */
  public static Glob compile(String glob) {
    String problem = globProblem(glob);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    return new Parser(glob).parse();
  }

  /** Whether {@code glob} matches the whole of {@code path}; see {@link #compile}. */
  public static boolean matches(String glob, String path) {
    return compile(glob).matches(path);
  }

  /** A compiled glob: an automaton of states, each a character test or a fork. */
  public static final class Glob {

    private static final byte CHAR = 0; // one code point, equal to cp
    private static final byte ONE = 1; // one code point but '/'
    private static final byte ANY = 2; // one code point, '/' included
    private static final byte CLASS = 3; // one code point of ranges (not '/')
    private static final byte SPLIT = 4; // no input: out and out2
    private static final byte MATCH = 5;

    private final String pattern;
    private final byte[] kind;
    private final int[] cp;
    private final int[] out;
    private final int[] out2;
    private final int[][] ranges; // pairs lo, hi
    private final boolean[] negated;
    private final int start;

    private Glob(String pattern, Builder built, int start) {
      this.pattern = pattern;
      int n = built.kind.size();
      this.kind = new byte[n];
      this.cp = new int[n];
      this.out = new int[n];
      this.out2 = new int[n];
      this.ranges = new int[n][];
      this.negated = new boolean[n];
      for (int i = 0; i < n; i++) {
        kind[i] = built.kind.get(i);
        cp[i] = built.cp.get(i);
        out[i] = built.out.get(i);
        out2[i] = built.out2.get(i);
        ranges[i] = built.ranges.get(i);
        negated[i] = built.negated.get(i);
      }
      this.start = start;
    }

    /** The glob as given. */
    public String pattern() {
      return pattern;
    }

    /** Whether the glob matches the whole of {@code path}. */
    public boolean matches(String path) {
      int n = kind.length;
      int[] current = new int[n];
      int[] next = new int[n];
      int[] seen = new int[n]; // the step a state was last added in, +1
      int[] stack = new int[n];
      int step = 1;
      int count = add(start, current, 0, seen, step, stack);
      for (int i = 0; i < path.length() && count > 0; ) {
        int c = path.codePointAt(i);
        i += Character.charCount(c);
        step++;
        int nextCount = 0;
        for (int k = 0; k < count; k++) {
          int s = current[k];
          if (accepts(s, c)) {
            nextCount = add(out[s], next, nextCount, seen, step, stack);
          }
        }
        int[] swap = current;
        current = next;
        next = swap;
        count = nextCount;
      }
      for (int k = 0; k < count; k++) {
        if (kind[current[k]] == MATCH) {
          return true;
        }
      }
      return false;
    }

    private boolean accepts(int s, int c) {
      switch (kind[s]) {
        case CHAR:
          return cp[s] == c;
        case ONE:
          return c != '/';
        case ANY:
          return true;
        case CLASS:
          if (c == '/') {
            return false;
          }
          boolean in = false;
          int[] r = ranges[s];
          for (int k = 0; k < r.length && !in; k += 2) {
            in = c >= r[k] && c <= r[k + 1];
          }
          return in != negated[s];
        default:
          return false;
      }
    }

    /** Adds {@code s} and what it reaches without input to {@code set}; returns the new size. */
    private int add(int s, int[] set, int size, int[] seen, int step, int[] stack) {
      int top = 0;
      stack[top++] = s;
      while (top > 0) {
        int state = stack[--top];
        if (seen[state] == step) {
          continue;
        }
        seen[state] = step;
        if (kind[state] == SPLIT) {
          stack[top++] = out2[state];
          stack[top++] = out[state];
        } else {
          set[size++] = state;
        }
      }
      return size;
    }
  }

  /** The states of a glob's automaton while it is built. */
  private static final class Builder {
    final List<Byte> kind = new ArrayList<>();
    final List<Integer> cp = new ArrayList<>();
    final List<Integer> out = new ArrayList<>();
    final List<Integer> out2 = new ArrayList<>();
    final List<int[]> ranges = new ArrayList<>();
    final List<Boolean> negated = new ArrayList<>();

    int add(byte k, int codePoint, int o, int o2, int[] r, boolean neg) {
      kind.add(k);
      cp.add(codePoint);
      out.add(o);
      out2.add(o2);
      ranges.add(r);
      negated.add(neg);
      return kind.size() - 1;
    }
  }

  /** One element of a glob, before it becomes states. */
  private sealed interface Item {}

  private record Literal(int codePoint) implements Item {}

  private record One() implements Item {}

  private record Star(boolean crossesDirectories) implements Item {}

  private record CharClass(int[] ranges, boolean negated) implements Item {}

  private record Group(List<List<Item>> alternatives) implements Item {}

  /** Reads a glob as Java's {@code glob:} syntax does (sun.nio.fs.Globs, POSIX). */
  private static final class Parser {
    private final String glob;
    private final int[] cps;
    private int i;

    Parser(String glob) {
      this.glob = glob;
      this.cps = glob.codePoints().toArray();
    }

    Glob parse() {
      List<List<Item>> top = new ArrayList<>();
      top.add(new ArrayList<>());
      List<List<Item>> group = null;
      while (i < cps.length) {
        int c = cps[i++];
        List<Item> items = group == null ? top.get(0) : group.get(group.size() - 1);
        switch (c) {
          case '\\' -> {
            if (i == cps.length) {
              throw new IllegalArgumentException("no character to escape at its end");
            }
            items.add(new Literal(cps[i++]));
          }
          case '[' -> items.add(charClass());
          case '{' -> {
            if (group != null) {
              throw new IllegalArgumentException("groups cannot nest (index " + (i - 1) + ")");
            }
            group = new ArrayList<>();
            group.add(new ArrayList<>());
          }
          case '}' -> {
            if (group != null) {
              top.get(0).add(new Group(group));
              group = null;
            } else {
              items.add(new Literal(c));
            }
          }
          case ',' -> {
            if (group != null) {
              group.add(new ArrayList<>());
            } else {
              items.add(new Literal(c));
            }
          }
          case '*' -> {
            if (i < cps.length && cps[i] == '*') {
              i++;
              items.add(new Star(true));
            } else {
              items.add(new Star(false));
            }
          }
          case '?' -> items.add(new One());
          default -> items.add(new Literal(c));
        }
      }
      if (group != null) {
        throw new IllegalArgumentException("missing '}'");
      }
      Builder built = new Builder();
      int match = built.add(Glob.MATCH, 0, -1, -1, null, false);
      int start = sequence(built, top.get(0), match);
      return new Glob(glob, built, start);
    }

    /** {@code [...]}, the {@code [} read. */
    private CharClass charClass() {
      int opened = i - 1;
      List<Integer> ranges = new ArrayList<>();
      boolean negated = false;
      if (i < cps.length && cps[i] == '^') {
        ranges.add((int) '^'); // a literal '^', as in Java's glob
        ranges.add((int) '^');
        i++;
      } else {
        if (i < cps.length && cps[i] == '!') {
          negated = true;
          i++;
        }
        if (i < cps.length && cps[i] == '-') {
          ranges.add((int) '-');
          ranges.add((int) '-');
          i++;
        }
      }
      boolean hasRangeStart = false;
      int last = 0;
      boolean closed = false;
      while (i < cps.length) {
        int c = cps[i++];
        if (c == ']') {
          closed = true;
          break;
        }
        if (c == '/') {
          throw new IllegalArgumentException(
              "a class cannot hold '/' (index " + (i - 1) + "): '*' and '?' never match it either");
        }
        if (c == '-') {
          if (!hasRangeStart) {
            throw new IllegalArgumentException("invalid range (index " + (i - 1) + ")");
          }
          if (i == cps.length) {
            break; // missing ']'
          }
          int end = cps[i++];
          if (end == ']') {
            ranges.add((int) '-'); // "[a-]": 'a' or '-'
            ranges.add((int) '-');
            closed = true;
            break;
          }
          if (end < last) {
            throw new IllegalArgumentException("invalid range (index " + (i - 3) + ")");
          }
          ranges.set(ranges.size() - 1, end); // the single 'last' becomes last..end
          hasRangeStart = false;
        } else {
          ranges.add(c);
          ranges.add(c);
          hasRangeStart = true;
          last = c;
        }
      }
      if (!closed) {
        throw new IllegalArgumentException("missing ']' for the '[' at index " + opened);
      }
      if (ranges.isEmpty()) {
        throw new IllegalArgumentException("the class at index " + opened + " is empty");
      }
      int[] array = new int[ranges.size()];
      for (int k = 0; k < array.length; k++) {
        array[k] = ranges.get(k);
      }
      return new CharClass(array, negated);
    }

    /** The states of {@code items} followed by state {@code next}: the first of them. */
    private static int sequence(Builder built, List<Item> items, int next) {
      for (int k = items.size() - 1; k >= 0; k--) {
        next = item(built, items.get(k), next);
      }
      return next;
    }

    private static int item(Builder built, Item item, int next) {
      if (item instanceof Literal literal) {
        return built.add(Glob.CHAR, literal.codePoint(), next, -1, null, false);
      }
      if (item instanceof One) {
        return built.add(Glob.ONE, 0, next, -1, null, false);
      }
      if (item instanceof CharClass c) {
        return built.add(Glob.CLASS, 0, next, -1, c.ranges(), c.negated());
      }
      if (item instanceof Star star) {
        // split: take one more character (and come back) or go on
        int split = built.add(Glob.SPLIT, 0, -1, next, null, false);
        int one =
            built.add(star.crossesDirectories() ? Glob.ANY : Glob.ONE, 0, split, -1, null, false);
        built.out.set(split, one);
        return split;
      }
      List<List<Item>> alternatives = ((Group) item).alternatives();
      int first = sequence(built, alternatives.get(alternatives.size() - 1), next);
      for (int k = alternatives.size() - 2; k >= 0; k--) {
        first =
            built.add(
                Glob.SPLIT, 0, sequence(built, alternatives.get(k), next), first, null, false);
      }
      return first;
    }
  }
}
