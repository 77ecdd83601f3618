package dev.slipway.coordinator.auth;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.stack.RealServices;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The bootstrap admin token when every admin token is gone, in an application (and database) of its
 * own: a revoked bootstrap secret never comes back; deleting the file makes a new one.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@QuarkusTestResource(AuthTestResource.class)
@TestProfile(BootstrapRecoveryIT.OwnDatabase.class)
class BootstrapRecoveryIT {

  /** A profile of its own: a fresh application and database, whose tokens this test may revoke. */
  public static class OwnDatabase implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("slipway.auth.anonymous-read", "false");
    }
  }

  @Inject TokenBootstrap bootstrap;

  private static int whoami(String secret) {
    return given().header("Authorization", "Bearer " + secret).get("/api/v1/whoami").statusCode();
  }

  private static void revokeEveryToken(String admin) {
    for (Object id :
        given()
            .header("Authorization", "Bearer " + admin)
            .get("/api/v1/tokens")
            .then()
            .statusCode(200)
            .extract()
            .jsonPath()
            .getList("id")) {
      given().header("Authorization", "Bearer " + admin).delete("/api/v1/tokens/" + id);
    }
  }

  private void runBootstrap(Path file) {
    QuarkusTransaction.requiringNew().run(() -> bootstrap.bootstrap(Optional.empty(), file));
  }

  @Test
  void aNewBootstrapTokenOnlyWhenNoAdminIsLeftAndNeverARevokedOne() throws Exception {
    Path file = Files.createTempDirectory("bootstrap").resolve("token");
    runBootstrap(file);
    assertTrue(Files.notExists(file), "an admin token exists: nothing is made");

    revokeEveryToken(AuthTestResource.ADMIN_TOKEN);
    assertEquals(401, whoami(AuthTestResource.ADMIN_TOKEN));
    runBootstrap(file);
    String first = Files.readString(file).trim();
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertEquals(200, whoami(first));

    revokeEveryToken(first);
    runBootstrap(file); // the file still holds the revoked secret: it is not brought back
    assertEquals(401, whoami(first));

    Files.delete(file);
    runBootstrap(file);
    String second = Files.readString(file).trim();
    assertNotEquals(first, second);
    assertEquals(200, whoami(second));
  }
}
