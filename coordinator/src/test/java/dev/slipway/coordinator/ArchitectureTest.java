package dev.slipway.coordinator;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** Module and layer boundaries of the coordinator (ARCHITECTURE.md, CONVENTIONS.md). */
@AnalyzeClasses(packages = "dev.slipway", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule coordinatorNeverReachesIntoTheWorker =
      noClasses()
          .that()
          .resideInAPackage("dev.slipway.coordinator..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.slipway.worker..");

  @ArchTest
  static final ArchRule restResourcesNeverPublishEvents =
      noClasses()
          .that()
          .resideInAPackage("..rest..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("dev.slipway.platform.outbox..", "dev.slipway.platform.messaging..");

  @ArchTest
  static final ArchRule platformKnowsNoService =
      noClasses()
          .that()
          .resideInAPackage("dev.slipway.platform..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("dev.slipway.coordinator..", "dev.slipway.worker..");
}
