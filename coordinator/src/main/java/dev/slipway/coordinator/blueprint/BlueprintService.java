package dev.slipway.coordinator.blueprint;

import dev.slipway.common.events.EventCodec;
import dev.slipway.common.limits.Limits;
import dev.slipway.coordinator.api.ApiException;
import dev.slipway.coordinator.api.Checks;
import dev.slipway.coordinator.auth.Caller;
import dev.slipway.platform.blueprint.BlueprintKinds;
import dev.slipway.platform.blueprint.BlueprintRecord;
import dev.slipway.platform.blueprint.BlueprintRepository;
import dev.slipway.platform.blueprint.ScriptHostConfig;
import dev.slipway.platform.resource.Resources;
import dev.slipway.platform.secrets.Credential;
import dev.slipway.platform.secrets.CredentialStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Creates and changes blueprints: every change is checked as a whole by its kind ({@link
 * BlueprintKinds}) before it is stored, and lets the leases waiting for its type try again.
 */
@ApplicationScoped
public class BlueprintService {

  private static final String NAME_PATTERN = "[A-Za-z0-9][A-Za-z0-9._-]{0,99}";

  /** {@code POST /api/v1/blueprints}: a new blueprint. */
  public record BlueprintRequest(
      String name,
      String kind,
      Boolean enabled,
      Integer maxResources,
      Map<String, Object> config) {}

  /**
   * {@code PATCH /api/v1/blueprints/{name}}: what to change. {@code config}'s top-level keys are
   * merged into the stored config; a key given as null is removed.
   */
  public record BlueprintEdit(Boolean enabled, Integer maxResources, Map<String, Object> config) {}

  @Inject BlueprintRepository blueprints;
  @Inject CredentialStore credentials;
  @Inject Resources resources;
  @Inject Caller caller;

  /** The blueprint named {@code name}, or 404. */
  public BlueprintRecord find(String name) {
    BlueprintRecord blueprint = name == null ? null : blueprints.find("name", name).firstResult();
    if (blueprint == null) {
      throw ApiException.notFound("blueprint", name);
    }
    return blueprint;
  }

  @Transactional
  public BlueprintRecord create(BlueprintRequest r) {
    if (r == null) {
      throw ApiException.badRequest(null, "a JSON body {name, kind, config?, maxResources?}");
    }
    Checks.length("name", r.name(), Limits.NAME);
    if (r.name() == null || !r.name().matches(NAME_PATTERN)) {
      throw ApiException.badRequest(
          "name", "name is required: 1-100 letters, digits and ._- (not starting with ._-)");
    }
    Checks.length("kind", r.kind(), Limits.NAME);
    if (BlueprintKinds.type(r.kind()) == null) {
      throw ApiException.badRequest("kind", "kind must be one of " + BlueprintKinds.names());
    }
    if (blueprints.find("name", r.name()).firstResult() != null
        || blueprints.findById(r.name()) != null) {
      throw ApiException.conflict(
          "a blueprint named '"
              + r.name()
              + "' exists: change it with PATCH /api/v1/blueprints/"
              + r.name());
    }
    BlueprintRecord blueprint = new BlueprintRecord();
    blueprint.id = r.name();
    blueprint.name = r.name();
    blueprint.kind = r.kind();
    blueprint.type = BlueprintKinds.type(r.kind());
    blueprint.createdBy = caller.subject();
    blueprint.enabled = r.enabled() == null || r.enabled();
    Map<String, Object> config = r.config() == null ? new LinkedHashMap<>() : copy(r.config());
    config.values().removeIf(v -> v == null);
    store(blueprint, config, r.maxResources(), r.maxResources() != null);
    blueprints.persist(blueprint);
    resources.retryAllocation(blueprint.type, "blueprint " + blueprint.name + " added");
    return blueprint;
  }

  /**
   * Applies {@code edit} to the blueprint named {@code name}. Its row is locked first, so that two
   * edits at once are applied one after the other and neither merge is lost.
   */
  @Transactional
  public BlueprintRecord edit(String name, BlueprintEdit edit) {
    BlueprintRecord blueprint =
        name == null
            ? null
            : blueprints.find("name", name).withLock(LockModeType.PESSIMISTIC_WRITE).firstResult();
    if (blueprint == null) {
      throw ApiException.notFound("blueprint", name);
    }
    if (edit == null) {
      throw ApiException.badRequest(null, "a JSON body with the fields to change is required");
    }
    if (BlueprintKinds.type(blueprint.kind) == null) {
      throw ApiException.badRequest(
          "kind",
          "blueprints of kind "
              + blueprint.kind
              + " are built in; the API changes only "
              + BlueprintKinds.names());
    }
    Map<String, Object> config = copy(blueprint.config);
    if (edit.config() != null) {
      edit.config()
          .forEach(
              (key, value) -> {
                if (value == null) {
                  config.remove(key);
                } else {
                  config.put(key, value);
                }
              });
    }
    if (edit.enabled() != null) {
      blueprint.enabled = edit.enabled();
    }
    Integer max = edit.maxResources() != null ? edit.maxResources() : blueprint.maxResources;
    store(blueprint, config, max, edit.maxResources() != null);
    blueprint.updatedBy = caller.subject();
    resources.retryAllocation(blueprint.type, "blueprint " + blueprint.name + " changed");
    return blueprint;
  }

  /** Checks {@code config} and {@code maxResources} as a whole, then sets them on the record. */
  private void store(
      BlueprintRecord blueprint, Map<String, Object> config, Integer maxResources, boolean given) {
    Checks.length("config", EventCodec.tree(config).toString(), Limits.BLUEPRINT_CONFIG);
    Integer max;
    try {
      max = BlueprintKinds.takeMaxResources(blueprint.kind, config, maxResources, given);
      BlueprintKinds.check(blueprint.kind, config, max);
    } catch (ScriptHostConfig.Invalid e) {
      throw ApiException.badRequest(e.field(), e.getMessage());
    }
    if (config.get("credentialId") instanceof String credentialId) {
      requireSharedCredential(credentialId);
    }
    blueprint.config = config;
    blueprint.maxResources = max;
  }

  /**
   * A blueprint's hosts log in with a shared credential ({@code POST /api/v1/credentials}); a
   * host's own key serves only that host. Share-locked, so that it cannot be deleted meanwhile.
   */
  private void requireSharedCredential(String id) {
    boolean shared =
        credentials
            .findByIdOptional(id, LockModeType.PESSIMISTIC_READ)
            .map(c -> c.shared && Credential.SSH_PRIVATE_KEY.equals(c.kind))
            .orElse(false);
    if (!shared) {
      throw ApiException.badRequest(
          "config.credentialId",
          "config.credentialId: '"
              + id
              + "' is not a shared SSH key; an admin registers one with POST /api/v1/credentials"
              + " and names it by its id");
    }
  }

  private static Map<String, Object> copy(Map<String, Object> config) {
    return config == null ? new LinkedHashMap<>() : new LinkedHashMap<>(config);
  }
}
