package dev.slipway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.cli.Args.Attr;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ArgsTest {

  @Test
  void attributeSplitsAtTheFirstEqualsSign() {
    assertEquals(new Attr("platform", "linux"), Args.attr("platform=linux"));
    assertEquals(new Attr("query", "a=b"), Args.attr("query=a=b"));
    assertEquals(new Attr("empty", ""), Args.attr("empty="));
  }

  @Test
  void attributeWithoutEqualsSignOrKeyIsRefusedQuotingIt() {
    var noEquals = assertThrows(IllegalArgumentException.class, () -> Args.attr("nokey"));
    assertTrue(noEquals.getMessage().contains("'nokey' is not key=value"), noEquals.getMessage());
    var noKey = assertThrows(IllegalArgumentException.class, () -> Args.attr("=linux"));
    assertTrue(noKey.getMessage().contains("no key"), noKey.getMessage());
  }

  @Test
  void attributesKeepTheirOrderAndRefuseAKeyGivenTwice() {
    assertEquals(
        List.of("b", "a"),
        List.copyOf(Args.attributes(List.of(new Attr("b", "1"), new Attr("a", "2"))).keySet()));
    assertEquals(Map.of(), Args.attributes(null));
    var twice =
        assertThrows(
            IllegalArgumentException.class,
            () -> Args.attributes(List.of(new Attr("a", "1"), new Attr("a", "2"))));
    assertTrue(twice.getMessage().contains("'a' is given twice"), twice.getMessage());
  }

  @Test
  void memberSplitsPairsAtCommasInOrderAndEmptyTextAsksForNone() {
    assertEquals(
        List.of("platform", "arch", "query"),
        List.copyOf(Args.member("platform=linux, arch=x64,query=a=b").keySet()));
    assertEquals("a=b", Args.member("query=a=b").get("query"));
    assertEquals(Map.of(), Args.member(""));
    var comma = assertThrows(IllegalArgumentException.class, () -> Args.member("k=a,b"));
    assertTrue(comma.getMessage().contains("'b' is not key=value"), comma.getMessage());
    var twice = assertThrows(IllegalArgumentException.class, () -> Args.member("a=1,a=2"));
    assertTrue(twice.getMessage().contains("'a' is given twice"), twice.getMessage());
  }

  @Test
  void durationIsCheckedAndKeptAsWritten() {
    assertEquals("5m", Args.duration(" 5m"));
    assertThrows(IllegalArgumentException.class, () -> Args.duration("5 minutes"));
  }

  @Test
  void platformIsOneOfThreeInAnyCase() {
    assertEquals("macos", Args.platform("MacOS"));
    var bad = assertThrows(IllegalArgumentException.class, () -> Args.platform("plan9"));
    assertTrue(bad.getMessage().contains("linux, macos or windows"));
  }

  @Test
  void serverMustBeAnHttpUrl() {
    assertEquals("http://h:8080", Args.server("http://h:8080").toString());
    assertThrows(IllegalArgumentException.class, () -> Args.server("h:8080"));
    assertThrows(IllegalArgumentException.class, () -> Args.server("ftp://h"));
    assertThrows(IllegalArgumentException.class, () -> Args.server("http://"));
  }

  @Test
  void tokenLifetimeTakesDaysAndTheServicesDurations() {
    assertEquals(Duration.ofDays(30), Args.lifetime("30d"));
    assertEquals(Duration.ofHours(12), Args.lifetime(" 12h "));
    var bad = assertThrows(IllegalArgumentException.class, () -> Args.lifetime("a month"));
    assertTrue(bad.getMessage().contains("'a month' is not a duration"), bad.getMessage());
  }

  @Test
  void roleIsViewerOperatorOrAdminInAnyCase() {
    assertEquals("operator", Args.role("Operator"));
    var bad = assertThrows(IllegalArgumentException.class, () -> Args.role("root"));
    assertEquals("'root' is not viewer, operator or admin", bad.getMessage());
  }
}
