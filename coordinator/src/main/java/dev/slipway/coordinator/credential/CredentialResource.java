package dev.slipway.coordinator.credential;

import dev.slipway.common.limits.Limits;
import dev.slipway.common.status.ResourceStatus;
import dev.slipway.coordinator.api.ApiException;
import dev.slipway.coordinator.api.Checks;
import dev.slipway.coordinator.auth.Caller;
import dev.slipway.coordinator.auth.Roles;
import dev.slipway.platform.blueprint.BlueprintRepository;
import dev.slipway.platform.resource.Resource;
import dev.slipway.platform.resource.ResourceRepository;
import dev.slipway.platform.secrets.Credential;
import dev.slipway.platform.secrets.CredentialStore;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
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

/**
 * {@code /api/v1/credentials}: shared SSH keys that several hosts may name by {@code credentialId}.
 * Every other credential serves only the host or repository it came with, so that nobody can point
 * another host's key at a machine of their choosing.
 */
@Path("/api/v1/credentials")
@RolesAllowed(Roles.ADMIN)
public class CredentialResource {

  /** {@code POST}: a name, a PEM private key and its passphrase, if it has one. */
  public record SharedCredentialRequest(String name, String privateKey, String passphrase) {
    @Override
    public String toString() {
      return "SharedCredentialRequest[" + name + "]";
    }
  }

  /** A shared credential as the API shows it: never the secret. */
  public record CredentialView(
      String id, String name, String kind, Instant createdAt, String createdBy) {
    static CredentialView of(Credential c) {
      return new CredentialView(c.id, c.name, c.kind, c.createdAt, c.createdBy);
    }
  }

  @Inject CredentialStore credentials;
  @Inject ResourceRepository resources;
  @Inject BlueprintRepository blueprints;
  @Inject Caller caller;

  @POST
  @Transactional
  public Response create(SharedCredentialRequest r) {
    if (r == null) {
      throw ApiException.badRequest(null, "a JSON body {name, privateKey, passphrase?} is needed");
    }
    Checks.length("privateKey", r.privateKey(), Limits.PRIVATE_KEY);
    Checks.length("passphrase", r.passphrase(), Limits.PASSPHRASE);
    if (r.name() == null || !r.name().matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}")) {
      throw ApiException.badRequest(
          "name", "name is required: 1-100 letters, digits and ._- (not starting with ._-)");
    }
    if (r.privateKey() == null || !r.privateKey().contains("PRIVATE KEY-----")) {
      throw ApiException.badRequest("privateKey", "privateKey must be a PEM private key");
    }
    if (credentials.count("shared = true and name = ?1", r.name()) > 0) {
      throw ApiException.conflict("a shared credential named '" + r.name() + "' exists");
    }
    Credential credential =
        credentials.saveShared(
            r.name(), Credential.SSH_PRIVATE_KEY, r.privateKey(), r.passphrase(), caller.subject());
    credentials.flush();
    credentials.getEntityManager().refresh(credential);
    return Response.created(URI.create("/api/v1/credentials/" + credential.id))
        .entity(CredentialView.of(credential))
        .build();
  }

  @GET
  public List<CredentialView> list() {
    return credentials.list("shared = true order by name").stream()
        .map(CredentialView::of)
        .toList();
  }

  /**
   * {@code POST /api/v1/credentials/reseal}: re-seals every stored secret (host keys, repository
   * credentials, shared credentials) with the current master key, once every service has the new
   * key; then the previous keys can be removed (docs/security.md, "Rotating the master key").
   */
  @POST
  @Path("reseal")
  public CredentialStore.Resealed reseal() {
    return credentials.resealStale();
  }

  /**
   * Deletes a shared credential that no host uses any more and no blueprint names (409 while one
   * does).
   */
  @DELETE
  @Path("{id}")
  @Transactional
  public Response delete(@PathParam("id") String id) {
    // locked: a host registering with it meanwhile (share lock) is either seen below or waits
    Credential credential =
        credentials
            .findByIdOptional(id, LockModeType.PESSIMISTIC_WRITE)
            .filter(c -> c.shared)
            .orElseThrow(() -> ApiException.notFound("shared credential", id));
    List<String> users =
        resources
            .list(
                "credentialId = ?1 and status <> ?2 and type = ?3",
                id,
                ResourceStatus.DESTROYED,
                Resource.TYPE_HOST)
            .stream()
            .map(h -> h.name)
            .toList();
    if (!users.isEmpty()) {
      throw ApiException.conflict("credential " + id + " is used by hosts " + users);
    }
    List<String> blueprintsNaming = blueprints.namingCredential(id);
    if (!blueprintsNaming.isEmpty()) {
      throw ApiException.conflict(
          "credential " + id + " is used by blueprints " + blueprintsNaming);
    }
    resources.update(
        "credentialId = null where credentialId = ?1 and status = ?2",
        id,
        ResourceStatus.DESTROYED);
    credentials.delete(credential);
    return Response.noContent().build();
  }
}
