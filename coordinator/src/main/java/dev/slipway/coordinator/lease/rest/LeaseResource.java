package dev.slipway.coordinator.lease.rest;

import dev.slipway.coordinator.api.ApiException;
import dev.slipway.platform.lease.Lease;
import dev.slipway.platform.lease.LeaseRepository;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import java.time.Instant;
import java.util.Map;

@Path("/api/v1/leases")
public class LeaseResource {

  /** A lease as the API shows it. */
  public record LeaseView(
      String id,
      String type,
      String status,
      Map<String, String> attributes,
      String resourceId,
      String owner,
      String reason,
      Instant createdAt,
      Instant updatedAt) {}

  @Inject LeaseRepository leases;

  @GET
  @Path("{id}")
  public LeaseView get(@PathParam("id") String id) {
    Lease l = leases.findByIdOptional(id).orElseThrow(() -> ApiException.notFound("lease", id));
    return new LeaseView(
        l.id,
        l.type,
        l.status.wireName(),
        l.attributes,
        l.resourceId,
        l.owner,
        l.reason,
        l.createdAt,
        l.updatedAt);
  }
}
