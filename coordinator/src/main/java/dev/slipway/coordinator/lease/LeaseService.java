package dev.slipway.coordinator.lease;

import dev.slipway.common.attributes.Attributes;
import dev.slipway.common.git.GitRefs;
import dev.slipway.common.plan.Durations;
import dev.slipway.common.status.LeaseStatus;
import dev.slipway.common.status.Transitions;
import dev.slipway.coordinator.api.ApiException;
import dev.slipway.coordinator.repository.RepositoryPolicy;
import dev.slipway.platform.lease.Lease;
import dev.slipway.platform.lease.LeaseRepository;
import dev.slipway.platform.lease.Leases;
import dev.slipway.platform.resource.Resource;
import dev.slipway.platform.resource.ResourceRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.util.Map;
import java.util.Set;

/** Leases asked for through the API (builds take theirs through the build engine). */
@ApplicationScoped
public class LeaseService {

  private static final Set<String> TYPES = Set.of(Resource.TYPE_HOST, Resource.TYPE_WORKING_COPY);

  @Inject Leases leases;
  @Inject LeaseRepository repository;
  @Inject ResourceRepository resources;
  @Inject RepositoryPolicy repositoryPolicy;

  @Transactional
  public Lease request(LeaseRequest r) {
    if (r.type() == null || !TYPES.contains(r.type())) {
      throw ApiException.badRequest("type", "type must be one of " + TYPES);
    }
    Map<String, String> attributes = checkAttributes("attributes", r.attributes());
    if (Resource.TYPE_WORKING_COPY.equals(r.type())) {
      return requestWorkingCopy(r, attributes);
    }
    checkPinned("resourceId", r.resourceId());
    return leases.request(
        r.type(),
        attributes,
        r.resourceId(),
        r.owner() == null ? "api" : r.owner(),
        millis("waitTimeout", r.waitTimeout()),
        millis("heartbeatTimeout", r.heartbeatTimeout()));
  }

  /**
   * Checks the attributes a lease asks for, naming {@code field} in the 400.
   *
   * @return them, never null
   */
  Map<String, String> checkAttributes(String field, Map<String, String> attributes) {
    Map<String, String> checked = attributes == null ? Map.of() : attributes;
    String problem = Attributes.problem(checked);
    if (problem != null) {
      throw ApiException.badRequest(field, problem);
    }
    return checked;
  }

  /** Checks that the resource a lease is pinned to, if any, exists, naming {@code field}. */
  void checkPinned(String field, String resourceId) {
    if (resourceId != null && resources.findByIdOptional(resourceId).isEmpty()) {
      throw ApiException.badRequest(field, "no resource '" + resourceId + "' exists");
    }
  }

  private Lease requestWorkingCopy(LeaseRequest r, Map<String, String> attributes) {
    repositoryPolicy.check("repository", r.repository());
    String problem = GitRefs.refProblem(r.ref());
    if (problem != null) {
      throw ApiException.badRequest("ref", problem);
    }
    if (r.resourceId() != null) {
      throw ApiException.badRequest(
          "resourceId", "a working-copy lease names its host by hostLease or attributes");
    }
    if (r.hostLease() != null) {
      if (!attributes.isEmpty()) {
        throw ApiException.badRequest("attributes", "give hostLease or attributes, not both");
      }
      Lease host = repository.findById(r.hostLease());
      if (host == null || !Resource.TYPE_HOST.equals(host.type)) {
        throw ApiException.badRequest("hostLease", "no host lease '" + r.hostLease() + "' exists");
      }
    }
    return leases.requestWorkingCopy(
        new Leases.WorkingCopyRequest(r.repository(), r.ref(), r.hostLease(), attributes, null),
        r.owner() == null ? "api" : r.owner(),
        millis("waitTimeout", r.waitTimeout()),
        millis("heartbeatTimeout", r.heartbeatTimeout()));
  }

  /**
   * Asks for the lease to be released (a waiting lease is failed instead).
   *
   * @throws dev.slipway.common.status.IllegalTransitionException when it is already final (409)
   */
  @Transactional
  public Lease release(String id) {
    Lease lease = lock(id);
    if (lease.status != LeaseStatus.PENDING && lease.status != LeaseStatus.ACQUIRED) {
      // an acquired lease (a working copy being checked out) is released once it is ready
      Transitions.check("lease " + id, lease.status, LeaseStatus.RELEASED);
    }
    leases.requestRelease(lease, "released through the API");
    return lease;
  }

  /** Renews a lease's heartbeat. */
  @Transactional
  public Lease heartbeat(String id) {
    Lease lease = lock(id);
    if (lease.status.isFinal()) {
      throw ApiException.conflict("lease " + id + " is " + lease.status.wireName());
    }
    leases.heartbeat(lease);
    return lease;
  }

  public Lease find(String id) {
    return repository.findByIdOptional(id).orElseThrow(() -> ApiException.notFound("lease", id));
  }

  private Lease lock(String id) {
    return repository.lock(id).orElseThrow(() -> ApiException.notFound("lease", id));
  }

  /** {@code duration} (e.g. {@code 30s}) in milliseconds, or null; a 400 naming {@code field}. */
  static Long millis(String field, String duration) {
    if (duration == null) {
      return null;
    }
    try {
      return Durations.parse(duration).toMillis();
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(field, e.getMessage());
    }
  }
}
