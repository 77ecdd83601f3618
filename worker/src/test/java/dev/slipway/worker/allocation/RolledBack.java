package dev.slipway.worker.allocation;

import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * Test work in one transaction that is rolled back: the workers running beside a test never see its
 * rows (they would act on them: take stale claims over, time waiting leases out).
 */
final class RolledBack {

  private RolledBack() {}

  static void run(Runnable work) {
    QuarkusTransaction.begin();
    try {
      work.run();
    } finally {
      QuarkusTransaction.rollback();
    }
  }
}
