package dev.slipway.coordinator.auth;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JwtSettingsTest {

  private static SmallRyeConfig config(Map<String, String> values) {
    return new SmallRyeConfigBuilder()
        .withSources(new PropertiesConfigSource(values, "test", 100))
        .build();
  }

  @Test
  void withoutAKeyJwtsAreSimplyRefused() {
    assertNull(JwtSettings.problem(config(Map.of())));
  }

  @Test
  void aKeyWithoutAnAudienceOrIssuerIsRefused() {
    String noAudience =
        JwtSettings.problem(
            config(
                Map.of(
                    "mp.jwt.verify.publickey.location", "https://idp.example/jwks",
                    "mp.jwt.verify.issuer", "https://idp.example")));
    assertTrue(noAudience.contains("MP_JWT_VERIFY_AUDIENCES"), noAudience);
    String noIssuer =
        JwtSettings.problem(
            config(
                Map.of(
                    "mp.jwt.verify.publickey", "MIIB",
                    "mp.jwt.verify.audiences", "slipway")));
    assertTrue(noIssuer.contains("MP_JWT_VERIFY_ISSUER"), noIssuer);
  }

  @Test
  void aKeyWithIssuerAndAudienceIsAccepted() {
    assertNull(
        JwtSettings.problem(
            config(
                Map.of(
                    "mp.jwt.verify.publickey.location", "file:/etc/slipway/idp.pem",
                    "mp.jwt.verify.issuer", "https://idp.example",
                    "mp.jwt.verify.audiences", "slipway"))));
  }
}
