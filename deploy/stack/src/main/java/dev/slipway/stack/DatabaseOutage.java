package dev.slipway.stack;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL outage, as in a failover: every session of one database is terminated, and new ones
 * refused, for a while; then connections are let in again. Done from the server's {@code postgres}
 * database, as the given user (the database's owner, or a superuser).
 */
public final class DatabaseOutage {

  private final String adminUrl;
  private final String database;
  private final String user;
  private final String password;

  private DatabaseOutage(String adminUrl, String database, String user, String password) {
    this.adminUrl = adminUrl;
    this.database = database;
    this.user = user;
    this.password = password;
  }

  /** An outage of the database {@code jdbcUrl} names. */
  public static DatabaseOutage of(String jdbcUrl, String user, String password) {
    int start = jdbcUrl.indexOf("//");
    int slash = jdbcUrl.indexOf('/', start < 0 ? 0 : start + 2);
    int query = jdbcUrl.indexOf('?');
    if (slash < 0 || (query >= 0 && query < slash)) {
      throw new IllegalArgumentException("cannot read a database from JDBC URL " + jdbcUrl);
    }
    String database = jdbcUrl.substring(slash + 1, query >= 0 ? query : jdbcUrl.length());
    String admin =
        jdbcUrl.substring(0, slash + 1) + "postgres" + (query >= 0 ? jdbcUrl.substring(query) : "");
    return new DatabaseOutage(admin, database, user, password);
  }

  /** Cuts the database off for {@code length}; returns when connections are let in again. */
  public void cut(Duration length) {
    cut(length, () -> {});
  }

  /**
   * Starts {@link #cut} on a thread of its own and returns once new connections are refused and the
   * open ones terminated; the future completes when they are let in again.
   */
  public CompletableFuture<Void> cutInBackground(Duration length) {
    CountDownLatch begun = new CountDownLatch(1);
    CompletableFuture<Void> outage =
        CompletableFuture.runAsync(() -> cut(length, begun::countDown));
    try {
      while (!begun.await(100, TimeUnit.MILLISECONDS)) {
        if (outage.isDone()) {
          outage.join(); // it failed before it began: say why
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while an outage began", e);
    }
    return outage;
  }

  private void cut(Duration length, Runnable begun) {
    try (Connection admin = DriverManager.getConnection(adminUrl, user, password)) {
      String quoted = '"' + database.replace("\"", "\"\"") + '"';
      try (Statement refuse = admin.createStatement()) {
        refuse.execute("alter database " + quoted + " allow_connections false");
      }
      try {
        long until = System.nanoTime() + length.toNanos();
        try (PreparedStatement terminate =
            admin.prepareStatement(
                "select count(pg_terminate_backend(pid)) from pg_stat_activity"
                    + " where datname = ? and pid <> pg_backend_pid()")) {
          terminate.setString(1, database);
          do {
            terminate.executeQuery().close();
            begun.run(); // new sessions refused, the open ones terminated
            Thread.sleep(100);
          } while (System.nanoTime() < until);
        }
      } finally {
        try (Statement allow = admin.createStatement()) {
          allow.execute("alter database " + quoted + " allow_connections true");
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("could not cut database " + database + " off", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during an outage of " + database, e);
    }
  }
}
