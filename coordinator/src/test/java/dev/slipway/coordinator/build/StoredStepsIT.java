package dev.slipway.coordinator.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.slipway.coordinator.auth.AuthTestResource;
import dev.slipway.coordinator.plan.StepSpec;
import dev.slipway.stack.RealServices;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Steps are stored as JSON with their kind, through Hibernate's own JSON mapping: every kind reads
 * back as its own type, and rows written before steps had a type per kind (with fields of other
 * kinds, nulls, and the {@code lease} flag early versions wrote) still load.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@QuarkusTestResource(AuthTestResource.class)
class StoredStepsIT {

  @Inject EntityManager entityManager;

  @Test
  void everyKindOfStepLoadsAsItsOwnTypeFromRowsOldAndNew() {
    String build =
        AuthTestResource.startBuild(
            "stored", "steps:\n  - {name: hold, kind: wait, timeout: 10m}\n");
    Map<String, String> rows =
        Map.of(
            "h",
            "{\"name\":\"h\",\"kind\":\"lease-host\",\"attributes\":{\"pool\":\"x\"},"
                + "\"on\":null,\"command\":null,\"lease\":true}",
            "w",
            "{\"name\":\"w\",\"kind\":\"lease-working-copy\",\"host\":\"h\",\"repository\":null,"
                + "\"ref\":\"v1\",\"lease\":true,\"workingCopy\":true}",
            "r",
            "{\"name\":\"r\",\"kind\":\"run\",\"on\":\"w\",\"command\":\"make\","
                + "\"timeoutSeconds\":60,\"env\":{\"A\":\"b\"},\"host\":null,\"lease\":false}",
            "a",
            "{\"name\":\"a\",\"kind\":\"wait\",\"timeoutSeconds\":600,\"dependsOn\":[],"
                + "\"when\":\"always\"}",
            "u",
            "{\"name\":\"u\",\"kind\":\"upload-artifact\",\"from\":\"w\",\"path\":\"out/*.jar\","
                + "\"artifact\":\"jars\",\"dependsOn\":[\"r\",\"w\"]}",
            "d",
            "{\"name\":\"d\",\"kind\":\"download-artifact\",\"artifact\":\"jars\",\"on\":\"h\","
                + "\"dependsOn\":[\"u\",\"h\"]}");
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              int idx = 1;
              for (Map.Entry<String, String> row : rows.entrySet()) {
                entityManager
                    .createNativeQuery(
                        "insert into steps (build_id, name, idx, kind, spec, status)"
                            + " values (?1, ?2, ?3, ?4, cast(?5 as jsonb), 'skipped')")
                    .setParameter(1, build)
                    .setParameter(2, row.getKey())
                    .setParameter(3, 100 + idx++)
                    .setParameter(4, "old")
                    .setParameter(5, row.getValue())
                    .executeUpdate();
              }
            });
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              StepSpec.LeaseHost h = assertInstanceOf(StepSpec.LeaseHost.class, spec(build, "h"));
              assertEquals(Map.of("pool", "x"), h.attributes());
              StepSpec.LeaseWorkingCopy w =
                  assertInstanceOf(StepSpec.LeaseWorkingCopy.class, spec(build, "w"));
              assertEquals("h", w.uses());
              assertEquals("v1", w.ref());
              StepSpec.Run r = assertInstanceOf(StepSpec.Run.class, spec(build, "r"));
              assertEquals("make", r.command());
              assertEquals(60, r.timeoutSeconds());
              assertEquals(Map.of("A", "b"), r.env());
              assertEquals(null, r.dependsOn(), "a step stored before plans had graphs");
              StepSpec.Wait a = assertInstanceOf(StepSpec.Wait.class, spec(build, "a"));
              assertEquals(600, a.timeoutSeconds());
              assertEquals(StepSpec.ALWAYS, a.condition());
              StepSpec.UploadArtifact u =
                  assertInstanceOf(StepSpec.UploadArtifact.class, spec(build, "u"));
              assertEquals(List.of("r", "w"), u.dependsOn());
              assertEquals("out/*.jar", u.path());
              StepSpec.DownloadArtifact d =
                  assertInstanceOf(StepSpec.DownloadArtifact.class, spec(build, "d"));
              assertEquals("h", d.uses());
              assertEquals(null, d.path());
              // and what the coordinator writes itself reads back the same
              StepSpec.Wait hold = assertInstanceOf(StepSpec.Wait.class, spec(build, "hold"));
              assertEquals(600, hold.timeoutSeconds());
            });
  }

  private StepSpec spec(String build, String name) {
    Step step = entityManager.find(Step.class, new Step.Key(build, name));
    entityManager.refresh(step);
    return step.spec;
  }
}
