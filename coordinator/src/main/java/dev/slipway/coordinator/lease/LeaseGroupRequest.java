package dev.slipway.coordinator.lease;

import java.util.List;
import java.util.Map;

/**
 * {@code POST /api/v1/lease-groups}: 2 to 16 host leases granted all at once or not at all. Each
 * member gives the host {@code attributes} it needs and optionally {@code pinnedResourceId}, the
 * one host it must be; {@code waitTimeout} and {@code heartbeatTimeout} (durations such as {@code
 * 5m}) apply to every member.
 */
public record LeaseGroupRequest(
    List<Member> members, String owner, String waitTimeout, String heartbeatTimeout) {

  /** One host lease of the group. */
  public record Member(Map<String, String> attributes, String pinnedResourceId) {}
}
