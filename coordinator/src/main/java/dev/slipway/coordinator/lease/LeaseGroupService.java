package dev.slipway.coordinator.lease;

import dev.slipway.coordinator.api.ApiException;
import dev.slipway.platform.lease.LeaseGroup;
import dev.slipway.platform.lease.LeaseGroupRepository;
import dev.slipway.platform.lease.LeaseGroups;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.util.ArrayList;
import java.util.List;

/**
 * Lease groups asked for through the API: each member is checked like a single host lease request
 * ({@link LeaseService}), with the 400 naming {@code members[i].…}.
 */
@ApplicationScoped
public class LeaseGroupService {

  /** The fewest and most members a group may have. */
  public static final int MIN_MEMBERS = 2;

  public static final int MAX_MEMBERS = 16;

  @Inject LeaseGroups groups;
  @Inject LeaseGroupRepository repository;
  @Inject LeaseService leaseChecks;

  @Transactional
  public LeaseGroups.Requested request(LeaseGroupRequest r) {
    if (r.members() == null
        || r.members().size() < MIN_MEMBERS
        || r.members().size() > MAX_MEMBERS) {
      throw ApiException.badRequest(
          "members",
          "members must list "
              + MIN_MEMBERS
              + " to "
              + MAX_MEMBERS
              + " host leases, got "
              + (r.members() == null ? "none" : r.members().size()));
    }
    List<LeaseGroups.Member> members = new ArrayList<>();
    for (int i = 0; i < r.members().size(); i++) {
      LeaseGroupRequest.Member m = r.members().get(i);
      String field = "members[" + i + "]";
      if (m == null) {
        throw ApiException.badRequest(field, field + " must be an object {attributes, ...}");
      }
      var attributes = leaseChecks.checkAttributes(field + ".attributes", m.attributes());
      leaseChecks.checkPinned(field + ".pinnedResourceId", m.pinnedResourceId());
      members.add(new LeaseGroups.Member(attributes, m.pinnedResourceId()));
    }
    return groups.request(
        members,
        r.owner() == null ? "api" : r.owner(),
        LeaseService.millis("waitTimeout", r.waitTimeout()),
        LeaseService.millis("heartbeatTimeout", r.heartbeatTimeout()));
  }

  public LeaseGroup find(String id) {
    return repository
        .findByIdOptional(id)
        .orElseThrow(() -> ApiException.notFound("lease group", id));
  }
}
