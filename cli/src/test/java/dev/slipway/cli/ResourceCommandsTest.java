package dev.slipway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
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

  @Test
  void historyPrintsTheMovesAsATable() {
    CliRun cli =
        new CliRun(
            new FakeApi(
                request ->
                    "[{\"status\":\"active\",\"reason\":null,\"at\":\"2026-11-30T10:00:00Z\"},"
                        + "{\"status\":\"broken\",\"reason\":\"ssh refused\","
                        + "\"at\":\"2026-11-30T10:05:00Z\"}]"));

    assertEquals(0, cli.run("resource", "history", "host-1"));

    assertEquals("api/v1/resources/host-1/history", cli.api.only("GET").path());
    List<String> lines = cli.out().lines().map(String::strip).toList();
    assertEquals("AT                    STATUS  REASON", lines.get(0));
    assertEquals("2026-11-30T10:05:00Z  broken  ssh refused", lines.get(2));
  }

  @Test
  void logReadsEveryPageAfterTheCursor() {
    FakeApi api =
        new FakeApi(
            request -> {
              if (request.path().contains("after=0")) {
                StringBuilder lines = new StringBuilder();
                for (int i = 1; i <= ResourceCommands.LOG_PAGE; i++) {
                  lines
                      .append(i == 1 ? "" : ",")
                      .append("{\"id\":")
                      .append(i)
                      .append(",\"at\":\"t\",\"source\":\"provision\",\"line\":\"l")
                      .append(i)
                      .append("\"}");
                }
                return "{\"lines\":[" + lines + "],\"next\":" + ResourceCommands.LOG_PAGE + "}";
              }
              return "{\"lines\":[{\"id\":1001,\"at\":\"t\",\"source\":\"destroy\","
                  + "\"line\":\"gone\"}],\"next\":1001}";
            });
    CliRun cli = new CliRun(api);

    assertEquals(0, cli.run("resource", "log", "host-1"), cli.err());

    assertEquals(
        List.of(
            "api/v1/resources/host-1/log?after=0&limit=1000",
            "api/v1/resources/host-1/log?after=1000&limit=1000"),
        api.requests.stream().map(FakeApi.Request::path).toList());
    List<String> lines = cli.out().lines().toList();
    assertEquals(ResourceCommands.LOG_PAGE + 1, lines.size());
    assertEquals("t  provision  l1", lines.get(0));
    assertEquals("t  destroy  gone", lines.get(ResourceCommands.LOG_PAGE));
  }

  @Test
  void anUnknownResourceSaysSo() {
    CliRun cli =
        new CliRun(
            new FakeApi(
                request -> {
                  throw new ApiClient.ApiException(
                      404, "not-found", "resource 'x' does not exist", null);
                }));

    assertEquals(1, cli.run("resource", "log", "x"));
    assertEquals("slipway: resource 'x' does not exist", cli.err().strip());
  }
}
