package dev.slipway.platform.faults;

import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

/**
 * Asks whether the database answers at all: after a failure that {@link Failures} cannot place, a
 * database that does not answer means the failure was the outage, not the input.
 */
@ApplicationScoped
public class DatabaseProbe {

  @Inject EntityManager entityManager;

  /** Whether a trivial query succeeds now, in a transaction of its own. */
  public boolean answers() {
    try {
      return QuarkusTransaction.requiringNew()
          .timeout(10)
          .call(() -> entityManager.createNativeQuery("select 1").getSingleResult() != null);
    } catch (RuntimeException e) {
      return false;
    }
  }
}
