package dev.slipway.coordinator.secret;

import dev.slipway.common.limits.Limits;
import dev.slipway.coordinator.api.ApiException;
import dev.slipway.coordinator.auth.Caller;
import dev.slipway.coordinator.auth.Roles;
import dev.slipway.platform.secrets.BuildSecret;
import dev.slipway.platform.secrets.BuildSecrets;
import dev.slipway.platform.secrets.CredentialStore;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code /api/v1/secrets}: named secrets for builds. A plan names one only as the whole value of a
 * run step's environment variable ({@code NPM_TOKEN: ${secrets.npm}}); the runner reads the value
 * when it starts the command and masks it in the output. The value is never shown again.
 */
@Path("/api/v1/secrets")
public class SecretResource {

  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]{0,63}");
  private static final int MAX_VALUE = Limits.SECRET_VALUE;

  /** {@code POST}: a name and its value. */
  public record SecretRequest(String name, String value) {
    @Override
    public String toString() {
      return "SecretRequest[" + name + "]";
    }
  }

  /** A secret as the API shows it: never its value. */
  public record SecretView(
      String name, Instant createdAt, String createdBy, Instant updatedAt, String updatedBy) {
    static SecretView of(BuildSecret s) {
      return new SecretView(s.name, s.createdAt, s.createdBy, s.updatedAt, s.updatedBy);
    }
  }

  @Inject BuildSecrets secrets;
  @Inject CredentialStore credentials;
  @Inject Caller caller;

  /** 201 for a new secret; 200 when the value of an existing one was replaced. */
  @POST
  @Transactional
  @RolesAllowed(Roles.ADMIN)
  public Response save(SecretRequest r) {
    if (r == null) {
      throw ApiException.badRequest(null, "a JSON body {name, value} is needed");
    }
    if (r.name() == null || !NAME.matcher(r.name()).matches()) {
      throw ApiException.badRequest(
          "name", "name is 1-64 letters, digits, _ and -, starting with a letter or _");
    }
    if (r.value() == null
        || r.value().isEmpty()
        || r.value().length() > MAX_VALUE
        || r.value().indexOf('\0') >= 0) {
      throw ApiException.badRequest("value", "value is a non-empty text of at most 64 KiB, no NUL");
    }
    BuildSecret secret = secrets.findByIdOptional(r.name()).orElse(null);
    boolean created = secret == null;
    String replaced = null;
    if (created) {
      secret = new BuildSecret();
      secret.name = r.name();
      secret.createdBy = caller.subject();
    } else {
      replaced = secret.credentialId;
      secret.updatedBy = caller.subject();
    }
    secret.credentialId = credentials.save(BuildSecret.KIND, r.value());
    secret.updatedAt = Instant.now();
    secrets.persist(secret);
    secrets.flush();
    if (replaced != null) {
      credentials.deleteById(replaced);
    }
    secrets.getEntityManager().refresh(secret);
    return Response.status(created ? 201 : 200)
        .location(URI.create("/api/v1/secrets/" + secret.name))
        .entity(SecretView.of(secret))
        .build();
  }

  /** The names of the secrets, for plan authors. */
  @GET
  @RolesAllowed(Roles.OPERATOR)
  public List<SecretView> list() {
    return secrets.list("order by name").stream().map(SecretView::of).toList();
  }

  @DELETE
  @Path("{name}")
  @Transactional
  @RolesAllowed(Roles.ADMIN)
  public Response delete(@PathParam("name") String name) {
    BuildSecret secret =
        secrets.findByIdOptional(name).orElseThrow(() -> ApiException.notFound("secret", name));
    secrets.delete(secret);
    secrets.flush();
    credentials.deleteById(secret.credentialId);
    return Response.noContent().build();
  }
}
