package dev.slipway.coordinator.host;

import dev.slipway.platform.resource.Resource;
import java.util.Map;

/**
 * A host as the API shows it: its credential only by id; {@code sftp} and {@code loginBanner} as a
 * worker last found them on connecting (null until then). A host a blueprint is still making has no
 * address or port yet; {@code providerId} is what its provider calls it.
 */
public record HostView(
    String id,
    String name,
    String address,
    Integer port,
    String user,
    String credentialId,
    String hostKey,
    String platform,
    Map<String, String> attributes,
    int slots,
    int leasesHeld,
    boolean enabled,
    String status,
    String reason,
    String suspectReason,
    java.time.Instant suspectSince,
    String blueprint,
    String workingCopyRoot,
    String createdBy,
    String updatedBy,
    Boolean sftp,
    Boolean loginBanner,
    String providerId) {

  public static HostView of(Resource r) {
    return new HostView(
        r.id,
        r.name,
        r.address,
        r.port,
        r.username,
        r.credentialId,
        r.hostKey,
        r.attributes.get(HostService.PLATFORM),
        r.attributes,
        r.slots,
        r.leasesHeld,
        r.enabled,
        r.status.wireName(),
        r.reason,
        r.suspectReason,
        r.suspectSince,
        r.blueprintId,
        r.path,
        r.createdBy,
        r.updatedBy,
        r.sftp,
        r.loginBanner,
        r.providerId);
  }
}
