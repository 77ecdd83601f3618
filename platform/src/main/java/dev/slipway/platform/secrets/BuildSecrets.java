package dev.slipway.platform.secrets;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Named secrets for builds: stored encrypted, read only by a runner starting a command. */
@ApplicationScoped
public class BuildSecrets implements PanacheRepositoryBase<BuildSecret, String> {

  @Inject CredentialStore credentials;

  /**
   * The values of the secrets that {@code secretOf} names (environment variable → secret name), by
   * environment variable; or, when one no longer exists, the name of the first missing one.
   */
  public record Resolved(Map<String, String> values, String missing) {}

  @Transactional
  public Resolved values(Map<String, String> secretOf) {
    Map<String, String> values = new TreeMap<>();
    for (Map.Entry<String, String> e : secretOf.entrySet()) {
      Optional<String> value =
          findByIdOptional(e.getValue()).flatMap(s -> credentials.reveal(s.credentialId));
      if (value.isEmpty()) {
        return new Resolved(Map.of(), e.getValue());
      }
      values.put(e.getKey(), value.get());
    }
    return new Resolved(values, null);
  }
}
