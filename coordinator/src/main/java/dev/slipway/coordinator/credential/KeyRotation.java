package dev.slipway.coordinator.credential;

import dev.slipway.platform.secrets.CredentialStore;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * At start, re-seals with the current master key every credential sealed with a previous one
 * ({@code slipway.secrets.previous-keys}): once a coordinator has started with the new key, the old
 * keys may be removed from every service's configuration. See docs/security.md.
 */
@ApplicationScoped
public class KeyRotation {

  private static final Logger LOG = Logger.getLogger(KeyRotation.class);

  @Inject CredentialStore credentials;

  void onStart(@Observes StartupEvent event) {
    int resealed = credentials.resealStale();
    if (resealed > 0) {
      LOG.infof("re-sealed %d credentials with the current master key", resealed);
    }
  }
}
