package dev.slipway.coordinator.audit;

import dev.slipway.common.text.ControlCharacters;
import dev.slipway.coordinator.auth.Caller;
import io.quarkus.runtime.BlockingOperationControl;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import java.net.URI;
import java.util.Set;
import org.eclipse.microprofile.context.ManagedExecutor;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Records every write action through the API (POST, PUT, PATCH, DELETE under {@code /api/v1}) with
 * who made it and the status it got, refused ones included. Not recorded: calls without a valid
 * token (401: nobody to name, and a flood of them must not fill the log) and lease heartbeats (a
 * held lease beats every few seconds). Only the method and path are kept, never a body: bodies
 * carry secrets.
 *
 * <p>Runs on the IO thread when no endpoint served the request (a 404 or 405): the caller is then
 * resolved without blocking (authentication is lazy), and the record written on a worker thread.
 */
public class AuditFilter {

  private static final Logger LOG = Logger.getLogger(AuditFilter.class);
  private static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH", "DELETE");

  @Inject AuditLog audit;
  @Inject Caller caller;
  @Inject ManagedExecutor executor;

  @ServerResponseFilter
  public Uni<Void> record(ContainerRequestContext request, ContainerResponseContext response) {
    String path =
        ControlCharacters.escape("/" + request.getUriInfo().getPath().replaceFirst("^/+", ""));
    if (!WRITES.contains(request.getMethod())
        || !path.startsWith("/api/v1/")
        || path.endsWith("/heartbeat")
        || response.getStatus() == 401) {
      return Uni.createFrom().voidItem();
    }
    String action = request.getMethod() + " " + path;
    URI location = response.getLocation();
    String target = location == null ? null : location.getPath();
    int outcome = response.getStatus();
    return caller
        .subjectWhenKnown()
        .onItem()
        .invoke(actor -> write(actor, action, target, outcome))
        // no valid token: nobody to name, as with a 401
        .onFailure()
        .recoverWithNull()
        .replaceWithVoid();
  }

  private void write(String actor, String action, String target, int outcome) {
    Runnable write =
        () -> {
          try {
            audit.record(actor, action, target, outcome);
          } catch (RuntimeException e) {
            LOG.errorf(e, "could not record in the audit log: %s by %s", action, actor);
          }
        };
    if (BlockingOperationControl.isBlockingAllowed()) {
      write.run();
    } else {
      executor.execute(write);
    }
  }
}
