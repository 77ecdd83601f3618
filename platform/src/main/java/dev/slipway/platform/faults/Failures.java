package dev.slipway.platform.faults;

import jakarta.persistence.LockTimeoutException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.Set;
import org.apache.kafka.common.errors.RetriableException;
import org.hibernate.PessimisticLockException;
import org.hibernate.exception.JDBCConnectionException;
import org.hibernate.exception.LockAcquisitionException;

/**
 * Tells an infrastructure failure that goes away by itself (the database or the broker unreachable,
 * a connection reset or cut, a serialization failure or deadlock, a connection pool exhausted) from
 * one that will happen again with the same input (an invalid event, a bug). A transient failure is
 * retried for as long as it takes; it never turns into a result.
 */
public final class Failures {

  /**
   * PostgreSQL SQLSTATE classes and codes that mean "try again": connection exceptions (08),
   * transaction rollbacks (40: serialization failure, deadlock), insufficient resources (53),
   * operator intervention (57: the server shutting down, sessions terminated, not accepting
   * connections yet) and system errors (58).
   */
  private static final Set<String> TRANSIENT_CLASSES = Set.of("08", "40", "53", "57", "58");

  private Failures() {}

  /** Whether {@code failure}, or anything that caused it, is a transient infrastructure failure. */
  public static boolean isTransient(Throwable failure) {
    int depth = 0;
    for (Throwable t = failure; t != null && depth < 32; t = t.getCause(), depth++) {
      if (t instanceof SQLException sql) {
        String state = sql.getSQLState();
        if (state != null
            && state.length() >= 2
            && TRANSIENT_CLASSES.contains(state.substring(0, 2))) {
          return true;
        }
        if (sql instanceof SQLTransientException || sql instanceof SQLRecoverableException) {
          return true;
        }
      }
      if (t instanceof SocketException || t instanceof SocketTimeoutException) {
        return true; // a connection refused, reset or closed under a driver or client
      }
      if (t instanceof JDBCConnectionException
          || t instanceof LockAcquisitionException
          || t instanceof PessimisticLockException
          || t instanceof jakarta.persistence.PessimisticLockException
          || t instanceof LockTimeoutException
          || t instanceof RetriableException) {
        return true;
      }
    }
    return false;
  }
}
