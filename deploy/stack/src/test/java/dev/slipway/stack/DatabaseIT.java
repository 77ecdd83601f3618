package dev.slipway.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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

  @Test
  void embeddedDatabaseNeedsItsPasswordKeptInAPrivateFile(@TempDir Path dataDir) throws Exception {
    try (Database database = Database.embedded(dataDir.resolve("postgres"), 0)) {
      String url = database.ensureDatabase("secured");

      assertEquals(dataDir.resolve("postgres/password"), database.passwordFile());
      assertEquals("rw-------", permissions(database.passwordFile()));
      assertEquals("rwx------", permissions(dataDir.resolve("postgres")));
      assertEquals(database.password(), Files.readString(database.passwordFile()).trim());
      assertRefusedWithoutPassword(url);
      assertEquals("1", queryOne(database, url, "select 1"));
      assertEquals(
          "0",
          queryOne(
              database,
              url,
              "select count(*) from pg_hba_file_rules where auth_method <> 'scram-sha-256'"));
      assertEquals("127.0.0.1", queryOne(database, url, "show listen_addresses"));
    }
  }

  @Test
  void clusterAnOlderVersionMadeWithTrustGetsThePassword(@TempDir Path dataDir) throws Exception {
    Path pgData = dataDir.resolve("pgdata");
    try (EmbeddedPostgres trusting =
        EmbeddedPostgres.builder()
            .setDataDirectory(pgData)
            .setCleanDataDirectory(false)
            .setPort(Ports.free())
            .start()) {
      try (Connection connection =
              DriverManager.getConnection(
                  "jdbc:postgresql://127.0.0.1:" + trusting.getPort() + "/postgres",
                  "postgres",
                  "");
          Statement statement = connection.createStatement()) {
        statement.execute("create table kept (v text)");
        statement.execute("insert into kept values ('survives')");
      }
    }

    try (Database database = Database.embedded(dataDir, 0)) {
      String url = database.jdbcUrl("postgres");
      assertRefusedWithoutPassword(url);
      assertEquals("survives", queryOne(database, url, "select v from kept"));
    }
  }

  @Test
  void clusterWhosePasswordFileIsGoneSaysWhatToDo(@TempDir Path dataDir) throws Exception {
    Database.embedded(dataDir, 0).close();
    Files.delete(dataDir.resolve("password"));

    IOException refused = assertThrows(IOException.class, () -> Database.embedded(dataDir, 0));
    assertTrue(refused.getMessage().contains("restore that file, or delete"), refused.getMessage());
  }

  private static void assertRefusedWithoutPassword(String url) {
    assertThrows(SQLException.class, () -> DriverManager.getConnection(url, "postgres", ""));
    SQLException wrong =
        assertThrows(
            SQLException.class, () -> DriverManager.getConnection(url, "postgres", "wrong"));
    assertEquals("28P01", wrong.getSQLState(), wrong.getMessage()); // invalid_password
  }

  private static String permissions(Path path) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
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
