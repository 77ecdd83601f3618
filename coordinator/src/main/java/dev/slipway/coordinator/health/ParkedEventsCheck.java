package dev.slipway.coordinator.health;

import dev.slipway.platform.outbox.OutboxParking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * {@code /q/health}: how many events Kafka refused for good and the relays parked ({@code
 * outbox_parked}; docs/events.md, "Parked events"). Parked events do not make the coordinator
 * unready (it serves on); a number above 0 is for an operator to look at.
 */
@Readiness
@ApplicationScoped
public class ParkedEventsCheck implements HealthCheck {

  @Inject OutboxParking parking;

  @Override
  public HealthCheckResponse call() {
    return HealthCheckResponse.named("outbox")
        .up()
        .withData("parked-events", parking.count())
        .build();
  }
}
