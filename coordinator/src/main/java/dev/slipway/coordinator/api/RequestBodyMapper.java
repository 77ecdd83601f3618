package dev.slipway.coordinator.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.inject.Inject;
import jakarta.ws.rs.ext.ContextResolver;
import jakarta.ws.rs.ext.Provider;

/**
 * The ObjectMapper of the REST API: the application's, but refusing a field a request body's class
 * does not have (400 {@code invalid-json} naming it), so that no field is accepted and ignored.
 * Only here: the application's mapper also reads what was stored before (Hibernate's JSON columns,
 * such as a step's spec), where an older row may hold a field a newer class dropped.
 */
@Provider
public class RequestBodyMapper implements ContextResolver<ObjectMapper> {

  private final ObjectMapper strict;

  @Inject
  public RequestBodyMapper(ObjectMapper mapper) {
    this.strict = mapper.copy().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  }

  @Override
  public ObjectMapper getContext(Class<?> type) {
    return strict;
  }
}
