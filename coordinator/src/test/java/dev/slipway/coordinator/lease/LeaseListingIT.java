package dev.slipway.coordinator.lease;

import static dev.slipway.coordinator.auth.AuthTestResource.as;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.slipway.coordinator.auth.AuthTestResource;
import dev.slipway.stack.RealServices;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /api/v1/leases} pages through more leases than one page holds (and more than the 500
 * it used to cut its answer at), against a real PostgreSQL and Kafka.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@QuarkusTestResource(AuthTestResource.class)
class LeaseListingIT {

  @Inject AgroalDataSource database;

  /** {@code count} ended leases of {@code owner}, in this order (the last is the newest). */
  private List<String> endedLeases(String owner, int count) throws Exception {
    List<String> ids = new ArrayList<>();
    try (Connection c = database.getConnection();
        PreparedStatement insert =
            c.prepareStatement(
                "insert into leases (id, type, owner, status, reason) values (?, 'host', ?,"
                    + " 'failed', 'listing test')")) {
      c.setAutoCommit(false);
      for (int i = 0; i < count; i++) {
        String id = "lease-list-" + UUID.randomUUID();
        insert.setString(1, id);
        insert.setString(2, owner);
        insert.executeUpdate();
        ids.add(id);
      }
      c.commit();
    }
    return ids;
  }

  private static JsonPath list(Map<String, ?> query) {
    return as(AuthTestResource.ADMIN_TOKEN)
        .queryParams(query)
        .get("/api/v1/leases")
        .then()
        .statusCode(200)
        .extract()
        .jsonPath();
  }

  /** Every lease of {@code owner}, a page of {@code limit} (null: the default) at a time. */
  private static List<List<String>> pages(String owner, Integer limit) {
    List<List<String>> pages = new ArrayList<>();
    String cursor = null;
    do {
      Map<String, Object> query = new HashMap<>(Map.of("owner", owner));
      if (limit != null) {
        query.put("limit", limit);
      }
      if (cursor != null) {
        query.put("cursor", cursor);
      }
      JsonPath page = list(query);
      pages.add(page.getList("leases.id"));
      cursor = page.getString("next");
    } while (cursor != null && pages.size() < 20);
    return pages;
  }

  @Test
  void pagesTogetherHoldEveryLeaseOnceNewestFirstBeyondTheOldCapOf500() throws Exception {
    String owner = "lister-" + UUID.randomUUID();
    List<String> oldestFirst = endedLeases(owner, 520);
    endedLeases("someone-else-" + UUID.randomUUID(), 3);
    List<String> newestFirst = new ArrayList<>(oldestFirst);
    Collections.reverse(newestFirst);

    List<List<String>> pages = pages(owner, 200);

    assertEquals(List.of(200, 200, 120), pages.stream().map(List::size).toList());
    List<String> seen = pages.stream().flatMap(List::stream).toList();
    assertEquals(newestFirst, seen);
    assertEquals(seen.size(), new HashSet<>(seen).size(), "a lease was listed twice");

    List<List<String>> defaults = pages(owner, null);
    assertEquals(50, defaults.get(0).size());
    assertEquals(11, defaults.size());
    assertEquals(newestFirst, defaults.stream().flatMap(List::stream).toList());
  }

  @Test
  void aFullLastPageHasNoNextCursorAndItemsAreLeaseViews() throws Exception {
    String owner = "lister-" + UUID.randomUUID();
    List<String> ids = endedLeases(owner, 2);

    JsonPath page = list(Map.of("owner", owner, "limit", 2, "status", "failed"));

    assertEquals(List.of(ids.get(1), ids.get(0)), page.getList("leases.id"));
    assertNull(page.getString("next"), page.prettify());
    assertEquals("failed", page.getString("leases[0].status"));
    assertEquals("listing test", page.getString("leases[0].reason"));
    assertEquals(owner, page.getString("leases[0].owner"));
    assertEquals(List.of(), list(Map.of("owner", owner, "status", "active")).getList("leases"));
  }

  @Test
  void aRequestedLeaseIsAnsweredWithTheTimeItWasCreated() {
    String owner = "created-" + UUID.randomUUID();
    JsonPath answer =
        as(AuthTestResource.ADMIN_TOKEN)
            .contentType("application/json")
            .body(Map.of("type", "host", "attributes", Map.of("pool", owner), "owner", owner))
            .post("/api/v1/leases")
            .then()
            .statusCode(202)
            .extract()
            .jsonPath();

    String created = answer.getString("createdAt");
    assertNotNull(created, answer.prettify());
    assertEquals(
        created,
        as(AuthTestResource.ADMIN_TOKEN)
            .get("/api/v1/leases/" + answer.getString("id"))
            .then()
            .statusCode(200)
            .extract()
            .path("createdAt"));
  }

  @Test
  void badParametersAreRefusedNamingTheField() {
    String buildCursor =
        Base64.getUrlEncoder().encodeToString("v1:1:x".getBytes(StandardCharsets.UTF_8));
    String notANumber =
        Base64.getUrlEncoder().encodeToString("l1:soon".getBytes(StandardCharsets.UTF_8));
    refusedNaming("status", Map.of("status", "done"));
    refusedNaming("limit", Map.of("limit", "0"));
    refusedNaming("limit", Map.of("limit", "201"));
    refusedNaming("limit", Map.of("limit", "ten"));
    refusedNaming("cursor", Map.of("cursor", "%%%not-base64"));
    refusedNaming("cursor", Map.of("cursor", buildCursor));
    refusedNaming("cursor", Map.of("cursor", notANumber));
  }

  private static void refusedNaming(String field, Map<String, String> query) {
    as(AuthTestResource.ADMIN_TOKEN)
        .queryParams(query)
        .get("/api/v1/leases")
        .then()
        .statusCode(400)
        .body("error", equalTo("invalid-request"))
        .body("field", equalTo(field));
  }
}
