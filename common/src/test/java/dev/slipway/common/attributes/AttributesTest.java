package dev.slipway.common.attributes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AttributesTest {

  static Stream<Arguments> cases() {
    Map<String, String> host = Map.of("platform", "linux", "role", "build", "cpu", "32");
    return Stream.of(
        Arguments.of(host, Map.of(), true, "(any)"),
        Arguments.of(host, Map.of("platform", "linux"), true, ""),
        Arguments.of(host, Map.of("platform", "linux", "role", "build"), true, ""),
        Arguments.of(host, Map.of("platform", "windows"), false, "platform=windows"),
        Arguments.of(
            host, Map.of("platform", "linux", "gpu", "yes"), false, "gpu=yes"), // missing key
        Arguments.of(host, Map.of("cpu", "3"), false, "cpu=3"), // no prefix matching
        Arguments.of(Map.of(), Map.of("platform", "linux"), false, "platform=linux"));
  }

  @ParameterizedTest
  @MethodSource("cases")
  void matchesWhenEveryRequestedPairIsOffered(
      Map<String, String> offered, Map<String, String> requested, boolean match, String unmet) {
    assertEquals(match, Attributes.matches(offered, requested));
    if (!match) {
      assertEquals(unmet, Attributes.describe(Attributes.unmet(offered, requested)));
    }
  }

  @ParameterizedTest
  @MethodSource("cases")
  void describeIsSortedAndStable(
      Map<String, String> offered, Map<String, String> requested, boolean match, String unmet) {
    String described = Attributes.describe(requested);
    assertEquals(described, Attributes.describe(Map.copyOf(requested)));
  }

  @org.junit.jupiter.api.Test
  void rejectsBadKeys() {
    assertNull(Attributes.problem(Map.of("role.kind-x_1", "a")));
    assertTrue(Attributes.problem(Map.of("1abc", "a")).contains("1abc"));
    assertTrue(Attributes.problem(Map.of("a b", "a")).contains("a b"));
  }
}
