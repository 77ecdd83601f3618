package dev.slipway.platform.metrics;

import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.security.HttpSecurityPolicy;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;

/**
 * Who may read {@code /q/metrics} (policy {@value #NAME}, bound to the path in each service's
 * application.properties): a caller that authenticated with a token of any role of the API ({@code
 * viewer} or more). Never an anonymous caller, not even with {@code slipway.auth.anonymous-read}:
 * metrics describe the whole installation, and a scraper can always be given a token. A caller
 * without a valid token gets 401 with {@code WWW-Authenticate: Bearer}.
 */
@ApplicationScoped
public class ScrapePolicy implements HttpSecurityPolicy {

  public static final String NAME = "slipway-scrape";

  private static final Set<String> ROLES = Set.of("viewer", "operator", "admin");

  @Override
  public Uni<CheckResult> checkPermission(
      RoutingContext request,
      Uni<SecurityIdentity> identity,
      AuthorizationRequestContext requestContext) {
    return identity.map(
        id ->
            !id.isAnonymous() && id.getRoles().stream().anyMatch(ROLES::contains)
                ? CheckResult.PERMIT
                : CheckResult.DENY);
  }

  @Override
  public String name() {
    return NAME;
  }
}
