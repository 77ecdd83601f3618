package dev.slipway.coordinator.host;

import dev.slipway.common.attributes.Attributes;
import dev.slipway.common.platform.OpenSshKeys;
import dev.slipway.common.platform.SshLogins;
import dev.slipway.common.platform.WorkingCopyRoots;
import dev.slipway.common.status.ResourceStatus;
import dev.slipway.coordinator.api.ApiException;
import dev.slipway.coordinator.api.Checks;
import dev.slipway.coordinator.auth.Caller;
import dev.slipway.platform.blueprint.BlueprintKinds;
import dev.slipway.platform.blueprint.BlueprintRecord;
import dev.slipway.platform.blueprint.BlueprintRepository;
import dev.slipway.platform.resource.Resource;
import dev.slipway.platform.resource.ResourceRepository;
import dev.slipway.platform.resource.Resources;
import dev.slipway.platform.secrets.Credential;
import dev.slipway.platform.secrets.CredentialStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import jakarta.persistence.OptimisticLockException;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** Registers preallocated hosts as resources of a {@code static-host} blueprint. */
@ApplicationScoped
public class HostService {

  public static final String PLATFORM = "platform";

  /** The kind of blueprint hosts are registered under, and the id of the built-in one. */
  static final String BLUEPRINT = BlueprintKinds.STATIC_HOST;

  private static final Set<String> PLATFORMS = Set.of("linux", "macos", "windows");

  /** A host in these is removed (or being removed): its name is free. */
  private static final List<ResourceStatus> REMOVED =
      List.of(ResourceStatus.RELEASED, ResourceStatus.DESTROYED);

  @Inject ResourceRepository resources;
  @Inject CredentialStore credentials;
  @Inject Resources lifecycle;
  @Inject BlueprintRepository blueprints;
  @Inject Caller caller;

  @Transactional
  public Resource register(HostRegistration request) {
    validate(request);
    if (resources.count(
            "type = ?1 and name = ?2 and status not in ?3",
            Resource.TYPE_HOST,
            request.name(),
            REMOVED)
        > 0) {
      throw ApiException.conflict("a host named '" + request.name() + "' already exists");
    }
    String credentialId = request.credentialId();
    if (request.privateKey() != null) {
      credentialId =
          credentials.save(
              Credential.SSH_PRIVATE_KEY, request.privateKey(), request.privateKeyPassphrase());
    } else if (!credentials
        .findByIdOptional(credentialId, LockModeType.PESSIMISTIC_READ)
        .map(c -> c.shared)
        .orElse(false)) {
      // the same answer whether it exists or not: ids of other hosts' keys are no use to anyone
      throw ApiException.badRequest(
          "credentialId",
          "credential '"
              + credentialId
              + "' is not a shared credential: a host's own key serves only that host;"
              + " an admin can register a shared one with POST /api/v1/credentials");
    }
    Resource host = new Resource();
    host.id = "host-" + UUID.randomUUID();
    host.blueprintId = blueprint(request.blueprint());
    host.path = request.workingCopyRoot();
    host.type = Resource.TYPE_HOST;
    host.name = request.name();
    host.status = ResourceStatus.ACTIVE;
    Map<String, String> attributes = new HashMap<>();
    if (request.attributes() != null) {
      attributes.putAll(request.attributes());
    }
    attributes.put(PLATFORM, request.platform());
    attributes.put("preallocated", "true");
    host.attributes = attributes;
    host.slots = request.slots() == null ? 1 : request.slots();
    host.address = request.address();
    host.port = request.port() == null ? 22 : request.port();
    host.username = request.user();
    host.credentialId = credentialId;
    host.hostKey = request.hostKey() == null ? null : request.hostKey().strip();
    host.createdBy = caller.subject();
    lifecycle.create(host);
    return host;
  }

  private String blueprint(String name) {
    if (name == null) {
      return BLUEPRINT;
    }
    BlueprintRecord blueprint = blueprints.find("name", name).firstResult();
    if (blueprint == null || !BLUEPRINT.equals(blueprint.kind)) {
      throw ApiException.badRequest(
          "blueprint", "no static-host blueprint named '" + name + "' exists");
    }
    return blueprint.id;
  }

  /**
   * Applies an operator's edit; slots never go below the leases the host holds. An edit that read
   * the host before another change of it was written (another edit, the runner pinning its host key
   * on first contact) changes nothing and is refused (409): it would otherwise write over that
   * change with what it read.
   */
  @Transactional
  public Resource edit(String id, HostEdit edit) {
    Resource host = find(id);
    if (REMOVED.contains(host.status)) {
      throw ApiException.conflict("host " + id + " is being removed or was removed");
    }
    if (edit.attributes() != null) {
      String problem = Attributes.problem(edit.attributes());
      if (problem != null) {
        throw ApiException.badRequest("attributes", problem);
      }
      Map<String, String> attributes = new HashMap<>(edit.attributes());
      attributes.put(PLATFORM, host.attributes.get(PLATFORM));
      attributes.put("preallocated", "true");
      host.attributes = attributes;
    }
    requireLogin(edit.address(), edit.user());
    if (edit.address() != null) {
      host.address = edit.address();
    }
    if (edit.port() != null) {
      requirePort(edit.port());
      host.port = edit.port();
    }
    if (edit.user() != null) {
      host.username = edit.user();
    }
    if (edit.enabled() != null) {
      host.enabled = edit.enabled();
    }
    if (edit.slots() != null) {
      requireSlots(edit.slots());
    }
    host.updatedBy = caller.subject();
    host.updatedAt = Instant.now();
    // written (compared with the version read) now: from here on this transaction holds the row
    written(host);
    if (edit.slots() != null) {
      if (!resources.resize(id, edit.slots())) {
        throw ApiException.conflict(
            "host "
                + id
                + " holds more than "
                + edit.slots()
                + " leases; slots stay at "
                + host.slots);
      }
      resources.getEntityManager().refresh(host);
    }
    lifecycle.edited(host);
    return host;
  }

  /** Writes what changed on {@code host}, unless someone else changed it since it was read. */
  private void written(Resource host) {
    try {
      resources.flush();
    } catch (OptimisticLockException e) {
      throw ApiException.conflict(
          "host "
              + host.id
              + " changed while this request was being made (another edit, or its host key"
              + " pinned on first contact); nothing was changed: read it again and retry");
    }
  }

  /**
   * Replaces the host key pinned for the host with {@code hostKey} (an OpenSSH public key line), or
   * forgets it (null), so that the next connection pins the key it meets when pinning on first
   * contact is on. Changing a host's address, port or user never does this by itself: a machine
   * answering at a new address with another key is refused until an admin says so here.
   */
  @Transactional
  public Resource resetHostKey(String id, String hostKey) {
    if (hostKey != null && !OpenSshKeys.isPublicKeyLine(hostKey)) {
      throw ApiException.badRequest("hostKey", "hostKey must be one OpenSSH public key line");
    }
    Resource host = find(id);
    host.hostKey = hostKey == null ? null : hostKey.strip();
    host.updatedBy = caller.subject();
    host.updatedAt = Instant.now();
    written(host);
    lifecycle.edited(host);
    return host;
  }

  /**
   * Stops new leases on the host and removes it once its last lease is released; its name is free
   * at once. A broken host is removed the same way (its reason is kept in the new one): the leases
   * it holds stay with their owners, whose commands there fail, and it is destroyed when the last
   * is released. A host a script-host blueprint made is destroyed through its blueprint's {@code
   * destroy} by an allocator worker instead (within {@code slipway.provisioning.destroy-retry} once
   * it holds no lease); one still being made cannot be removed yet. The host's row is locked first,
   * so a removal never loses a race.
   */
  @Transactional
  public Resource remove(String id) {
    Resource host =
        resources
            .findByIdOptional(id, LockModeType.PESSIMISTIC_WRITE)
            .filter(r -> Resource.TYPE_HOST.equals(r.type))
            .orElseThrow(() -> ApiException.notFound("host", id));
    if (REMOVED.contains(host.status)) {
      return host;
    }
    BlueprintRecord blueprint = blueprints.findById(host.blueprintId);
    boolean made = blueprint != null && BlueprintKinds.SCRIPT_HOST.equals(blueprint.kind);
    if (made && host.status == ResourceStatus.PENDING) {
      throw ApiException.conflict(
          "host "
              + id
              + " is being made by blueprint "
              + blueprint.name
              + "; remove it once ready");
    }
    String why =
        host.status == ResourceStatus.BROKEN
            ? "removed by an operator; it was broken: " + host.reason
            : "removed by an operator";
    host.enabled = false;
    host.updatedBy = caller.subject();
    lifecycle.move(host, ResourceStatus.RELEASED, why);
    resources.getEntityManager().refresh(host);
    if (host.leasesHeld == 0 && !made) {
      lifecycle.move(host, ResourceStatus.DESTROYED, "removed by an operator; it was idle");
    }
    // a host a blueprint made is destroyed by an allocator worker, through the blueprint's destroy
    return host;
  }

  public Resource find(String id) {
    return resources
        .findByIdOptional(id)
        .filter(r -> Resource.TYPE_HOST.equals(r.type))
        .orElseThrow(() -> ApiException.notFound("host", id));
  }

  private static void validate(HostRegistration r) {
    Checks.name("name", r.name());
    require(r.address(), "address");
    require(r.user(), "user");
    requireLogin(r.address(), r.user());
    require(r.platform(), "platform");
    if (!PLATFORMS.contains(r.platform())) {
      throw ApiException.badRequest("platform", "platform must be one of " + PLATFORMS);
    }
    if (r.port() != null) {
      requirePort(r.port());
    }
    if (r.slots() != null) {
      requireSlots(r.slots());
    }
    if ((r.privateKey() == null) == (r.credentialId() == null)) {
      throw ApiException.badRequest("privateKey", "give exactly one of privateKey or credentialId");
    }
    if (r.privateKeyPassphrase() != null && r.privateKey() == null) {
      throw ApiException.badRequest(
          "privateKeyPassphrase", "privateKeyPassphrase goes with privateKey");
    }
    if (r.privateKey() != null && !r.privateKey().contains("PRIVATE KEY-----")) {
      throw ApiException.badRequest("privateKey", "privateKey must be a PEM private key");
    }
    String rootProblem =
        r.workingCopyRoot() == null ? null : WorkingCopyRoots.problem(r.workingCopyRoot());
    if (rootProblem != null) {
      throw ApiException.badRequest("workingCopyRoot", rootProblem);
    }
    if (r.hostKey() != null && !OpenSshKeys.isPublicKeyLine(r.hostKey())) {
      throw ApiException.badRequest("hostKey", "hostKey must be one OpenSSH public key line");
    }
    if (r.attributes() != null) {
      String problem = Attributes.problem(r.attributes());
      if (problem != null) {
        throw ApiException.badRequest("attributes", problem);
      }
    }
  }

  /**
   * Refuses an address that is not a host name or IP, or a user that is not a user name ({@link
   * SshLogins}); null (not given in an edit) passes. Registering and editing a host check the same.
   */
  private static void requireLogin(String address, String user) {
    String problem = address == null ? null : SshLogins.addressProblem("address", address);
    if (problem != null) {
      throw ApiException.badRequest("address", problem);
    }
    problem = user == null ? null : SshLogins.userProblem("user", user);
    if (problem != null) {
      throw ApiException.badRequest("user", problem);
    }
  }

  private static void requirePort(int port) {
    if (port < 1 || port > 65535) {
      throw ApiException.badRequest("port", "port must be between 1 and 65535");
    }
  }

  private static void requireSlots(int slots) {
    if (slots < 0 || slots > 1000) {
      throw ApiException.badRequest("slots", "slots must be between 0 and 1000");
    }
  }

  private static void require(String value, String field) {
    if (value == null || value.isBlank()) {
      throw ApiException.badRequest(field, field + " is required");
    }
  }
}
