package dev.slipway.coordinator.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Deny by default: an endpoint that declares no role of the API fails the build. */
class EndpointRolesTest {

  @Test
  void everyEndpointDeclaresExactlyOneRoleOfTheApi() {
    List<Endpoints.Endpoint> endpoints = Endpoints.all();
    assertFalse(endpoints.isEmpty(), "no endpoint found: the scan is broken");
    List<String> bare =
        endpoints.stream()
            .filter(e -> e.role() == null)
            .map(Endpoints.Endpoint::declaredAt)
            .toList();
    assertTrue(
        bare.isEmpty(),
        "endpoints without @RolesAllowed(Roles.VIEWER | OPERATOR | ADMIN): " + bare);
  }

  @Test
  void theScanFindsTheKnownEndpoints() {
    List<String> found = Endpoints.all().stream().map(Endpoints.Endpoint::toString).toList();
    assertTrue(found.contains("POST /api/v1/hosts"), found.toString());
    assertTrue(found.contains("DELETE /api/v1/tokens/x-missing"), found.toString());
    assertTrue(found.contains("GET /api/v1/builds/x-missing/log"), found.toString());
  }
}
