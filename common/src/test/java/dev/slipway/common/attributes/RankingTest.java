package dev.slipway.common.attributes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.slipway.common.attributes.Ranking.Candidate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RankingTest {

  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  /** id:cost:leasesHeld:ageSeconds (older = smaller). */
  private static Candidate c(String spec) {
    String[] f = spec.split(":");
    return new Candidate(
        f[0], Integer.parseInt(f[1]), Integer.parseInt(f[2]), T0.plusSeconds(Long.parseLong(f[3])));
  }

  static Stream<Arguments> tables() {
    return Stream.of(
        Arguments.of("idle beats busy", List.of("a:0:1:0", "b:0:0:5"), "b,a"),
        Arguments.of(
            "a cheaper resource wins even when busier", List.of("a:1:0:0", "b:0:3:9"), "b,a"),
        Arguments.of("fewest leases first", List.of("a:0:2:0", "b:0:1:9", "c:0:5:1"), "b,a,c"),
        Arguments.of("equal load: the oldest first", List.of("a:0:1:7", "b:0:1:3"), "b,a"),
        Arguments.of("all equal: by id", List.of("b:0:0:0", "a:0:0:0"), "a,b"),
        Arguments.of(
            "cost, then load, then age, then id",
            List.of("e:1:0:0", "d:0:1:0", "c:0:0:9", "b:0:0:1", "a:0:0:1"),
            "a,b,c,d,e"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tables")
  void ranksBestFirst(String why, List<String> specs, String expected) {
    List<Candidate> candidates = new ArrayList<>(specs.stream().map(RankingTest::c).toList());
    for (int rotation = 0; rotation < candidates.size(); rotation++) {
      Collections.rotate(candidates, 1); // the input order never matters
      List<Candidate> ranked = new ArrayList<>(candidates);
      ranked.sort(Ranking.comparator());
      assertEquals(expected, String.join(",", ranked.stream().map(Candidate::id).toList()), why);
    }
  }

  @Test
  void sqlOrderListsTheSameKeysInTheSameOrder() {
    assertEquals("leases_held, created_at, id", Ranking.sqlOrder(null));
    assertEquals("repo_cost, leases_held, created_at, id", Ranking.sqlOrder("repo_cost"));
  }
}
