package dev.slipway.common;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** common is vocabulary only: nothing in it may need a running service or a framework. */
@AnalyzeClasses(packages = "dev.slipway.common")
class ArchitectureTest {

  @ArchTest
  static final ArchRule commonNeedsNoServiceOrFramework =
      noClasses()
          .that()
          .resideInAPackage("dev.slipway.common..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "io.quarkus..",
              "jakarta..",
              "org.hibernate..",
              "org.apache.kafka..",
              "org.apache.sshd..",
              "java.sql..",
              "dev.slipway.platform..",
              "dev.slipway.coordinator..",
              "dev.slipway.worker..");
}
