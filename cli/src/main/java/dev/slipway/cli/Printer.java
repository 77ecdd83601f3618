package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.cli.ApiClient.Reply;
import dev.slipway.common.text.ControlCharacters;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * What the user sees: one record as {@code name: value} lines, a list as a table, or with {@code
 * --json} the API's JSON exactly as it came. Progress and notes go to stderr so that stdout stays
 * data. Text that came from the server (names, values, messages) is shown with its control
 * characters made visible ({@link #visible}): a host named {@code "x\e]0;..."} cannot rewrite the
 * terminal. Only {@code --json} and a build's log (the build's own output) are printed as they
 * came.
 */
final class Printer {

  /** A table column: its header and how to get its cell from a JSON object. */
  record Column(String header, Function<JsonNode, String> value) {
    static Column of(String header, String field) {
      return new Column(header, node -> cell(node.get(field)));
    }
  }

  private final PrintStream out;
  private final PrintStream err;
  private final boolean json;

  /** Standard output, for text streamed as it arrives (a followed log). */
  PrintStream stdout() {
    return out;
  }

  Printer(PrintStream out, PrintStream err, boolean json) {
    this.out = out;
    this.err = err;
    this.json = json;
  }

  void record(Reply reply) {
    out.print(json ? reply.body() + System.lineSeparator() : formatRecord(reply.json()));
    out.flush();
  }

  void table(Reply reply, List<Column> columns) {
    if (json) {
      out.println(reply.body());
    } else {
      out.print(formatTable(reply.json(), columns));
    }
    out.flush();
  }

  /**
   * A record whose {@code field} is a list: the other fields as {@link #record}, then the list as a
   * table after a blank line (nothing when it is empty).
   */
  void recordWithTable(Reply reply, String field, List<Column> columns) {
    if (json) {
      record(reply);
      return;
    }
    ObjectNode rest = reply.json().deepCopy();
    JsonNode items = rest.remove(field);
    out.print(formatRecord(rest));
    if (items != null && !items.isEmpty()) {
      out.println();
      out.print(formatTable(items, columns));
    }
    out.flush();
  }

  /**
   * {@code text} with every C0 and C1 control character (ESC, NUL, a line break...) written as
   * {@code \xNN}; the one place text from the server is made safe for a terminal.
   */
  static String visible(String text) {
    return ControlCharacters.escape(text);
  }

  /** As {@link #visible}, but line breaks and tabs are kept: a document of many lines. */
  static String visibleLines(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      out.append(c == '\n' || c == '\t' ? String.valueOf(c) : visible(String.valueOf(c)));
    }
    return out.toString();
  }

  /** A document of many lines (a plan's YAML): control characters other than line breaks shown. */
  void document(String text) {
    text(visibleLines(text));
  }

  /** Text exactly as it came (stdout), ending with a line break: a build's log. */
  void text(String text) {
    out.print(text.isEmpty() || text.endsWith("\n") ? text : text + System.lineSeparator());
    out.flush();
  }

  /** One line of data (stdout), e.g. a value asked for. */
  void line(String text) {
    out.println(visible(text));
    out.flush();
  }

  /** A note for the person at the terminal (stderr). */
  void note(String text) {
    err.println(visible(text));
    err.flush();
  }

  /**
   * Every field of an object on its own line, in the API's order, names aligned; nulls left out.
   */
  static String formatRecord(JsonNode object) {
    int width = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (!field.getValue().isNull()) {
        width = Math.max(width, visible(field.getKey()).length());
      }
    }
    StringBuilder text = new StringBuilder();
    for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (field.getValue().isNull()) {
        continue;
      }
      text.append(pad(visible(field.getKey()) + ":", width + 2))
          .append(visible(cell(field.getValue())))
          .append(System.lineSeparator());
    }
    return text.toString();
  }

  /** The items of a JSON array as a table of {@code columns}. */
  static String formatTable(JsonNode items, List<Column> columns) {
    List<List<String>> rows = new ArrayList<>();
    for (JsonNode item : items) {
      rows.add(columns.stream().map(c -> c.value().apply(item)).toList());
    }
    return formatTable(columns.stream().map(Column::header).toList(), rows);
  }

  /** Left-aligned columns two spaces apart, headers first; no trailing spaces. */
  static String formatTable(List<String> headers, List<List<String>> rows) {
    int[] widths = new int[headers.size()];
    List<List<String>> all = new ArrayList<>();
    all.add(headers);
    rows.forEach(row -> all.add(row.stream().map(Printer::visible).toList()));
    for (List<String> row : all) {
      for (int i = 0; i < widths.length; i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    StringBuilder text = new StringBuilder();
    for (List<String> row : all) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < widths.length; i++) {
        line.append(i == widths.length - 1 ? row.get(i) : pad(row.get(i), widths[i] + 2));
      }
      text.append(line.toString().stripTrailing()).append(System.lineSeparator());
    }
    return text.toString();
  }

  /** A value as one cell: {@code -} when absent, {@code k=v,k2=v2} (sorted) for an object. */
  static String cell(JsonNode value) {
    if (value == null || value.isNull() || value.isMissingNode()) {
      return "-";
    }
    if (value.isObject()) {
      Map<String, String> sorted = new TreeMap<>();
      value.fields().forEachRemaining(f -> sorted.put(f.getKey(), f.getValue().asText()));
      if (sorted.isEmpty()) {
        return "-";
      }
      StringBuilder text = new StringBuilder();
      sorted.forEach(
          (k, v) -> text.append(text.isEmpty() ? "" : ",").append(k).append('=').append(v));
      return text.toString();
    }
    if (value.isArray()) {
      List<String> items = new ArrayList<>();
      value.forEach(v -> items.add(cell(v)));
      return String.join(",", items);
    }
    return value.asText();
  }

  private static String pad(String text, int width) {
    return text + " ".repeat(Math.max(1, width - text.length()));
  }
}
