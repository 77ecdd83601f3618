package dev.slipway.worker;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** Module boundaries of the worker and the roles inside it. */
@AnalyzeClasses(packages = "dev.slipway", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule workerNeverReachesIntoTheCoordinator =
      noClasses()
          .that()
          .resideInAPackage("dev.slipway.worker..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.slipway.coordinator..");

  @ArchTest
  static final ArchRule rolesAreIndependent =
      noClasses()
          .that()
          .resideInAPackage("dev.slipway.worker.allocation..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("dev.slipway.worker.runner..", "dev.slipway.worker.ssh..");

  @ArchTest
  static final ArchRule workingCopiesAreAllocatorWorkThatNeverNeedsTheRunner =
      noClasses()
          .that()
          .resideInAPackage("dev.slipway.worker.workingcopy..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.slipway.worker.runner..");

  @ArchTest
  static final ArchRule dynamicHostsAreAllocatorWorkThatNeverNeedsTheRunner =
      noClasses()
          .that()
          .resideInAPackage("dev.slipway.worker.provisioning..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("dev.slipway.worker.runner..", "dev.slipway.worker.workingcopy..");

  @ArchTest
  static final ArchRule theAllocatorKnowsBlueprintsOnlyThroughTheirInterface =
      noClasses()
          .that()
          .resideInAPackage("dev.slipway.worker.allocation..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "dev.slipway.worker.provisioning..", "dev.slipway.worker.workingcopy..");

  @ArchTest
  static final ArchRule sshClientKnowsNothingOfPersistenceOrMessaging =
      noClasses()
          .that()
          .resideInAPackage("dev.slipway.worker.ssh..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "jakarta.persistence..",
              "io.quarkus..",
              "org.apache.kafka..",
              "dev.slipway.platform..");
}
