package dev.slipway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.cli.ApiClient.Param;
import dev.slipway.cli.ApiClient.Reply;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * Reads a paged listing of the API ({@code ?limit=N&cursor=C} answered with {@code {<items>,
 * next}}): as many pages as {@code --limit} needs, put together as one answer of the same shape.
 */
final class Pages {

  /** The most items the API returns in one page. */
  static final int PAGE = 200;

  private Pages() {}

  /** Refuses a {@code --limit} below 1 as picocli refuses a bad option of {@code command}. */
  static void checkLimit(CommandLine command, int limit) {
    if (limit < 1) {
      throw new ParameterException(
          command, "Invalid value for option '--limit': " + limit + " is not a positive number");
    }
  }

  /**
   * Up to {@code limit} items of {@code path} with {@code filters}, as {@code {<field>: [...],
   * next}}; the reply's JSON is the items, for a table.
   */
  static Reply collect(ApiClient api, String path, List<Param> filters, String field, int limit) {
    ArrayNode items = ApiClient.MAPPER.createArrayNode();
    String cursor = null;
    do {
      List<Param> parameters = new ArrayList<>(filters);
      parameters.add(new Param("limit", String.valueOf(Math.min(PAGE, limit - items.size()))));
      parameters.add(new Param("cursor", cursor));
      JsonNode page = api.get(ApiClient.query(path, parameters)).json();
      page.path(field).forEach(items::add);
      cursor = page.path("next").asText(null);
    } while (cursor != null && items.size() < limit);
    ObjectNode all = ApiClient.MAPPER.createObjectNode();
    all.set(field, items);
    all.put("next", cursor);
    return new Reply(ApiClient.write(all), items);
  }
}
