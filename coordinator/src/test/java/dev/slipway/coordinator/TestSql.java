package dev.slipway.coordinator;

import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.persistence.EntityManager;

/** Rows that tests write directly, past the API: native SQL, each in a transaction of its own. */
public final class TestSql {

  private TestSql() {}

  /**
   * Runs the SQL {@code statement} with positional {@code parameters} ({@code ?1}, {@code ?2}, …)
   * through {@code entityManager} in a new transaction, committed when it returns.
   */
  public static void update(EntityManager entityManager, String statement, Object... parameters) {
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              var query = entityManager.createNativeQuery(statement);
              for (int i = 0; i < parameters.length; i++) {
                query.setParameter(i + 1, parameters[i]);
              }
              query.executeUpdate();
            });
  }
}
