package dev.slipway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrinterTest {

  private static JsonNode json(String text) {
    return ApiClient.read(text);
  }

  @Test
  void tableAlignsColumnsTwoSpacesApartWithoutTrailingSpaces() {
    String table =
        Printer.formatTable(
            List.of("ID", "NAME", "ATTRIBUTES"),
            List.of(List.of("host-1", "a", "-"), List.of("h2", "longer-name", "pool=x")));
    assertEquals(
        String.join(
            System.lineSeparator(),
            "ID      NAME         ATTRIBUTES",
            "host-1  a            -",
            "h2      longer-name  pool=x",
            ""),
        table);
  }

  @Test
  void controlCharactersInCellsAndRecordsAreShownEscapedAndLinesStayAligned() {
    String table =
        Printer.formatTable(
            List.of("ID", "NAME"), List.of(List.of("h1", "x\u001b[31mRED"), List.of("h2", "a\nb")));
    assertEquals(
        String.join(System.lineSeparator(), "ID  NAME", "h1  x\\x1b[31mRED", "h2  a\\x0ab", ""),
        table);
    String record = Printer.formatRecord(json("{\"na\\u001bme\":\"v\\u0000\\u009b\"}"));
    assertEquals("na\\x1bme: v\\x00\\x9b" + System.lineSeparator(), record);
  }

  @Test
  void aDocumentKeepsItsLinesAndTabsButShowsOtherControlCharacters() {
    assertEquals(
        "steps:\n\t- x\\x1b[2J\\x0d\n", Printer.visibleLines("steps:\n\t- x\u001b[2J\r\n"));
  }

  @Test
  void tableOfNothingIsItsHeader() {
    assertEquals(
        "ID  NAME" + System.lineSeparator(), Printer.formatTable(List.of("ID", "NAME"), List.of()));
  }

  @Test
  void cellsShowAbsentValuesAsDashAndAttributesSorted() {
    JsonNode host = json("{\"a\":null,\"attrs\":{\"z\":\"1\",\"b\":\"2\"},\"none\":{},\"n\":3}");
    assertEquals("-", Printer.cell(host.get("a")));
    assertEquals("-", Printer.cell(host.get("missing")));
    assertEquals("b=2,z=1", Printer.cell(host.get("attrs")));
    assertEquals("-", Printer.cell(host.get("none")));
    assertEquals("3", Printer.cell(host.get("n")));
    assertEquals("x,y", Printer.cell(json("[\"x\",\"y\"]")));
  }

  @Test
  void recordListsFieldsInTheApiOrderLeavingOutNulls() {
    String record =
        Printer.formatRecord(
            json("{\"id\":\"host-1\",\"name\":\"mac\",\"hostKey\":null,\"enabled\":true}"));
    assertEquals(
        String.join(System.lineSeparator(), "id:      host-1", "name:    mac", "enabled: true", ""),
        record);
  }
}
