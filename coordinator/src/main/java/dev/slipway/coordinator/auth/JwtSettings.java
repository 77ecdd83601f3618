package dev.slipway.coordinator.auth;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Refuses to start with an identity provider's key but no issuer or audience to check: an identity
 * provider serves many applications, and without {@code aud} a token it made for any of them, whose
 * groups happen to hold {@code admin}, would be a Slipway admin.
 */
@ApplicationScoped
public class JwtSettings {

  static final List<String> KEYS =
      List.of("mp.jwt.verify.publickey", "mp.jwt.verify.publickey.location");

  void onStart(@Observes StartupEvent event) {
    String problem = problem(ConfigProvider.getConfig());
    if (problem != null) {
      throw new IllegalStateException(problem);
    }
  }

  /** What is missing from the JWT settings in {@code config}, or null. */
  static String problem(Config config) {
    boolean keyed = KEYS.stream().anyMatch(k -> present(config, k));
    if (!keyed) {
      return null; // JWTs are refused: there is no key to check them with
    }
    if (!present(config, "mp.jwt.verify.audiences")) {
      return "a JWT key is configured but no audience: set MP_JWT_VERIFY_AUDIENCES to the audience"
          + " your identity provider puts in Slipway's tokens (see docs/security.md)";
    }
    if (!present(config, "mp.jwt.verify.issuer")) {
      return "a JWT key is configured but no issuer: set MP_JWT_VERIFY_ISSUER (see"
          + " docs/security.md)";
    }
    return null;
  }

  private static boolean present(Config config, String key) {
    Optional<String> value = config.getOptionalValue(key, String.class);
    return value.filter(v -> !v.isBlank()).isPresent();
  }
}
