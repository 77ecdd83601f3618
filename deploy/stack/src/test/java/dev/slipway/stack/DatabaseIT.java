package dev.slipway.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatabaseIT {

  @Test
  void createdDatabaseAnswersWithPostgresVersion() throws SQLException {
    Database database = Database.shared();
    String url = database.createDatabase("Stack_IT");

    assertTrue(url.contains("/stack_it_"), url);
    assertTrue(queryOne(database, url, "select version()").contains("PostgreSQL"));
    assertEquals(
        url.substring(url.lastIndexOf('/') + 1),
        queryOne(database, url, "select current_database()"));
  }

  @Test
  void createdDatabasesAreDistinct() {
    Database database = Database.shared();

    assertNotEquals(database.createDatabase("twice"), database.createDatabase("twice"));
  }

  @Test
  void ensureDatabaseCreatesOnceAndKeepsData() throws SQLException {
    Database database = Database.shared();
    String url = database.ensureDatabase("stack_it_ensure");
    execute(database, url, "create table if not exists kept (v text)");
    execute(database, url, "insert into kept values ('x')");

    assertEquals(url, database.ensureDatabase("stack_it_ensure"));
    assertTrue(Integer.parseInt(queryOne(database, url, "select count(*) from kept")) >= 1);
  }

  @Test
  void embeddedDatabaseKeepsDataAcrossRestart(@TempDir Path dataDir) throws Exception {
    try (Database first = Database.embedded(dataDir, 0)) {
      String url = first.ensureDatabase("launcher");
      execute(first, url, "create table kept (v text)");
      execute(first, url, "insert into kept values ('survives')");
    }

    try (Database second = Database.embedded(dataDir, Ports.free())) {
      String url = second.ensureDatabase("launcher");
      assertEquals("survives", queryOne(second, url, "select v from kept"));
    }
  }

  private static void execute(Database database, String url, String sql) throws SQLException {
    try (Connection connection =
            DriverManager.getConnection(url, database.user(), database.password());
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  private static String queryOne(Database database, String url, String sql) throws SQLException {
    try (Connection connection =
            DriverManager.getConnection(url, database.user(), database.password());
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(sql)) {
      assertTrue(rows.next(), "no row for " + sql);
      return rows.getString(1);
    }
  }
}
