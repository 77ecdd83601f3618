package dev.slipway.coordinator.host;

import dev.slipway.common.attributes.Attributes;
import dev.slipway.common.events.EventTypes;
import dev.slipway.common.events.ResourceChanged;
import dev.slipway.common.events.Topics;
import dev.slipway.common.status.ResourceStatus;
import dev.slipway.coordinator.api.ApiException;
import dev.slipway.platform.outbox.Outbox;
import dev.slipway.platform.resource.Resource;
import dev.slipway.platform.resource.ResourceRepository;
import dev.slipway.platform.secrets.Credential;
import dev.slipway.platform.secrets.CredentialStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** Registers preallocated hosts as resources of the {@code static-host} blueprint. */
@ApplicationScoped
public class HostService {

  public static final String PLATFORM = "platform";
  static final String BLUEPRINT = "static-host";
  private static final Set<String> PLATFORMS = Set.of("linux", "macos", "windows");

  @Inject ResourceRepository resources;
  @Inject CredentialStore credentials;
  @Inject Outbox outbox;

  @Transactional
  public Resource register(HostRegistration request) {
    validate(request);
    if (resources.count("type = ?1 and name = ?2", Resource.TYPE_HOST, request.name()) > 0) {
      throw ApiException.conflict("a host named '" + request.name() + "' already exists");
    }
    String credentialId = request.credentialId();
    if (request.privateKey() != null) {
      credentialId = credentials.save(Credential.SSH_PRIVATE_KEY, request.privateKey());
    } else if (credentials.findByIdOptional(credentialId).isEmpty()) {
      throw ApiException.badRequest("credentialId", "credential '" + credentialId + "' not found");
    }
    Resource host = new Resource();
    host.id = "host-" + UUID.randomUUID();
    host.blueprintId = BLUEPRINT;
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
    host.hostKey = request.hostKey();
    host.updatedAt = Instant.now();
    resources.persist(host);
    outbox.publish(
        Topics.RESOURCES,
        EventTypes.RESOURCE_CREATED,
        host.id,
        new ResourceChanged(
            host.id,
            host.name,
            host.type,
            host.blueprintId,
            host.status.wireName(),
            host.slots,
            host.enabled,
            host.attributes));
    return host;
  }

  private static void validate(HostRegistration r) {
    require(r.name(), "name");
    require(r.address(), "address");
    require(r.user(), "user");
    require(r.platform(), "platform");
    if (!PLATFORMS.contains(r.platform())) {
      throw ApiException.badRequest("platform", "platform must be one of " + PLATFORMS);
    }
    if (r.port() != null && (r.port() < 1 || r.port() > 65535)) {
      throw ApiException.badRequest("port", "port must be between 1 and 65535");
    }
    if (r.slots() != null && (r.slots() < 1 || r.slots() > 1000)) {
      throw ApiException.badRequest("slots", "slots must be between 1 and 1000");
    }
    if ((r.privateKey() == null) == (r.credentialId() == null)) {
      throw ApiException.badRequest("privateKey", "give exactly one of privateKey or credentialId");
    }
    if (r.privateKey() != null && !r.privateKey().contains("PRIVATE KEY-----")) {
      throw ApiException.badRequest("privateKey", "privateKey must be a PEM private key");
    }
    if (r.attributes() != null) {
      String problem = Attributes.problem(r.attributes());
      if (problem != null) {
        throw ApiException.badRequest("attributes", problem);
      }
    }
  }

  private static void require(String value, String field) {
    if (value == null || value.isBlank()) {
      throw ApiException.badRequest(field, field + " is required");
    }
  }
}
