package dev.slipway.coordinator.repository;

import dev.slipway.common.limits.Limits;
import dev.slipway.common.platform.OpenSshKeys;
import dev.slipway.coordinator.api.ApiException;
import dev.slipway.coordinator.api.Checks;
import dev.slipway.coordinator.auth.Caller;
import dev.slipway.coordinator.auth.Roles;
import dev.slipway.platform.repository.GitRepositories;
import dev.slipway.platform.repository.GitRepository;
import dev.slipway.platform.secrets.Credential;
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
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * {@code /api/v1/repositories}: the credentials git needs for private repositories. The secret is
 * stored encrypted and never shown again; working copies of the repository get it on their host
 * only while git talks to the repository.
 */
@Path("/api/v1/repositories")
public class RepositoryResource {

  /**
   * Registers {@code uri} (exactly as builds name it) with one of {@code sshPrivateKey} (a deploy
   * key, PEM; {@code sshHostKey}, an OpenSSH public key line, pins the server's host key) or {@code
   * httpsToken} (with {@code httpsUser}, default {@code x-access-token}).
   */
  public record RepositoryRegistration(
      String uri, String sshPrivateKey, String sshHostKey, String httpsToken, String httpsUser) {

    @Override
    public String toString() {
      return "RepositoryRegistration[" + uri + "]";
    }
  }

  /** A repository as the API shows it: its credential only by id and kind. */
  public record RepositoryView(
      String id,
      String uri,
      String credentialId,
      String credentialKind,
      String httpsUser,
      String sshHostKey,
      Instant createdAt,
      Instant updatedAt,
      String createdBy,
      String updatedBy) {}

  @Inject GitRepositories repositories;
  @Inject CredentialStore credentials;
  @Inject Caller caller;
  @Inject RepositoryPolicy policy;

  /** 201 for a new repository; 200 when the credential of a registered one was replaced. */
  @POST
  @Transactional
  @RolesAllowed(Roles.ADMIN)
  public Response register(RepositoryRegistration r) {
    if (r == null) {
      throw ApiException.badRequest(
          null, "a JSON body {uri, sshPrivateKey | httpsToken} is needed");
    }
    Checks.length("uri", r.uri(), Limits.URI);
    Checks.length("sshPrivateKey", r.sshPrivateKey(), Limits.PRIVATE_KEY);
    Checks.length("sshHostKey", r.sshHostKey(), Limits.PUBLIC_KEY);
    Checks.length("httpsToken", r.httpsToken(), Limits.HTTPS_TOKEN);
    Checks.length("httpsUser", r.httpsUser(), Limits.USER);
    policy.check("uri", r.uri());
    if ((r.sshPrivateKey() == null) == (r.httpsToken() == null)) {
      throw ApiException.badRequest(
          "sshPrivateKey", "give exactly one of sshPrivateKey or httpsToken");
    }
    if (r.sshPrivateKey() != null && !r.sshPrivateKey().contains("PRIVATE KEY-----")) {
      throw ApiException.badRequest("sshPrivateKey", "sshPrivateKey must be a PEM private key");
    }
    if (r.httpsToken() != null && (r.httpsToken().isBlank() || r.httpsToken().contains("\n"))) {
      throw ApiException.badRequest("httpsToken", "httpsToken must be one non-empty line");
    }
    if (r.httpsUser() != null && (r.httpsToken() == null || !r.httpsUser().matches("[^\\s:]+"))) {
      throw ApiException.badRequest(
          "httpsUser", "httpsUser goes with httpsToken and has no spaces or ':'");
    }
    if (r.sshHostKey() != null
        && (r.sshPrivateKey() == null || !OpenSshKeys.isPublicKeyLine(r.sshHostKey()))) {
      throw ApiException.badRequest(
          "sshHostKey", "sshHostKey goes with sshPrivateKey and is one OpenSSH public key line");
    }
    GitRepository repository = repositories.byUri(r.uri()).orElse(null);
    boolean created = repository == null;
    if (created) {
      repository = new GitRepository();
      repository.id = "repo-" + UUID.randomUUID();
      repository.uri = r.uri();
      repository.createdBy = caller.subject();
    } else {
      repository.updatedBy = caller.subject();
    }
    String replaced = repository.credentialId;
    repository.credentialId =
        r.sshPrivateKey() != null
            ? credentials.save(Credential.SSH_PRIVATE_KEY, r.sshPrivateKey())
            : credentials.save(Credential.HTTPS_TOKEN, r.httpsToken());
    repository.httpsUser =
        r.httpsToken() == null ? null : r.httpsUser() == null ? "x-access-token" : r.httpsUser();
    repository.sshHostKey = r.sshHostKey() == null ? null : r.sshHostKey().strip();
    repository.updatedAt = Instant.now();
    repositories.persist(repository);
    repositories.flush();
    if (replaced != null) {
      credentials.deleteById(replaced);
    }
    return Response.status(created ? 201 : 200).entity(view(repository)).build();
  }

  @GET
  @RolesAllowed(Roles.ADMIN)
  public List<RepositoryView> list() {
    return repositories.listAll().stream().map(this::view).toList();
  }

  @DELETE
  @Path("{id}")
  @Transactional
  @RolesAllowed(Roles.ADMIN)
  public Response remove(@PathParam("id") String id) {
    GitRepository repository =
        repositories
            .findByIdOptional(id)
            .orElseThrow(() -> ApiException.notFound("repository", id));
    repositories.delete(repository);
    repositories.flush();
    credentials.deleteById(repository.credentialId); // its secret goes with it
    return Response.noContent().build();
  }

  private RepositoryView view(GitRepository r) {
    return new RepositoryView(
        r.id,
        r.uri,
        r.credentialId,
        credentials.findByIdOptional(r.credentialId).map(c -> c.kind).orElse(null),
        r.httpsUser,
        r.sshHostKey,
        r.createdAt,
        r.updatedAt,
        r.createdBy,
        r.updatedBy);
  }
}
