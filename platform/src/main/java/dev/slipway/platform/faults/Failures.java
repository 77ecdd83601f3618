package dev.slipway.platform.faults;

import jakarta.persistence.LockTimeoutException;
import jakarta.persistence.OptimisticLockException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.util.Set;
import org.apache.kafka.common.errors.RetriableException;
import org.hibernate.PessimisticLockException;
import org.hibernate.StaleStateException;
import org.hibernate.exception.JDBCConnectionException;
import org.hibernate.exception.LockAcquisitionException;

/**
 * Tells a failure of the database or the broker that goes away by itself (either unreachable, a
 * connection reset or cut, a serialization failure or deadlock, a lost optimistic race, a pool
 * exhausted) from one that will happen again with the same input (an invalid event, a bug, a host
 * that does not answer: hosts are not infrastructure here). A transient failure is retried for as
 * long as it takes; it never turns into a result.
 */
public final class Failures {

  /**
   * PostgreSQL SQLSTATEs that mean "try again": connection exceptions, serialization failure,
   * deadlock, too many connections, and the server shutting down, terminating sessions or not
   * accepting connections yet.
   */
  private static final Set<String> TRANSIENT_STATES =
      Set.of(
          "08000", "08001", "08003", "08004", "08006", "08007", "40001", "40P01", "53300", "57P01",
          "57P02", "57P03");

  private Failures() {}

  /** Whether {@code failure}, or anything that caused it, is a transient infrastructure failure. */
  public static boolean isTransient(Throwable failure) {
    boolean underDatabase = false;
    int depth = 0;
    for (Throwable t = failure; t != null && depth < 32; t = t.getCause(), depth++) {
      if (t instanceof SQLException sql) {
        underDatabase = true;
        if (sql.getSQLState() != null && TRANSIENT_STATES.contains(sql.getSQLState())) {
          return true;
        }
        if (sql instanceof SQLTransientConnectionException
            || sql instanceof SQLRecoverableException) {
          return true;
        }
      }
      if (underDatabase && (t instanceof SocketException || t instanceof SocketTimeoutException)) {
        return true; // the driver's connection refused, reset or closed
      }
      if (t instanceof JDBCConnectionException
          || t instanceof LockAcquisitionException
          || t instanceof PessimisticLockException
          || t instanceof jakarta.persistence.PessimisticLockException
          || t instanceof LockTimeoutException
          || t instanceof OptimisticLockException
          || t instanceof StaleStateException
          || t instanceof RetriableException) {
        return true;
      }
    }
    return false;
  }
}
