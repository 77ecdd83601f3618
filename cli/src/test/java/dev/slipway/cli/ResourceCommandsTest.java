package dev.slipway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ResourceCommandsTest {

  @Test
  void eachAttributeBecomesAnAttrQueryParameter() {
    CliRun cli = new CliRun(new FakeApi(request -> "[]"));

    assertEquals(
        0, cli.run("resource", "list", "--type", "host", "--attr", "pool=a", "--attr", "role=b c"));

    assertEquals(
        "api/v1/resources?type=host&attr=pool%3Aa&attr=role%3Ab+c", cli.api.only("GET").path());
    assertEquals(
        "ID  TYPE  NAME  BLUEPRINT  STATUS  SLOTS  IN-USE  ENABLED  ATTRIBUTES", cli.out().strip());
  }

  @Test
  void withoutFiltersItListsEveryResource() {
    assertEquals("api/v1/resources", ResourceCommands.query(null, Map.of()));
  }
}
