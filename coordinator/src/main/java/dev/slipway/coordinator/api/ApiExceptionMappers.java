package dev.slipway.coordinator.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.slipway.common.status.IllegalTransitionException;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Turns every failure of a REST call into {@link ApiError} JSON with the right status. */
public class ApiExceptionMappers {

  private static final Logger LOG = Logger.getLogger(ApiExceptionMappers.class);

  @ServerExceptionMapper
  public Response api(ApiException e) {
    return respond(e.status(), e.body());
  }

  @ServerExceptionMapper
  public Response illegalTransition(IllegalTransitionException e) {
    return respond(409, new ApiError("illegal-transition", e.getMessage(), null));
  }

  @ServerExceptionMapper
  public Response unreadable(JsonProcessingException e) {
    String field = null;
    if (e instanceof MismatchedInputException m && !m.getPath().isEmpty()) {
      field =
          m.getPath().stream()
              .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
              .collect(Collectors.joining("."));
    }
    return respond(400, new ApiError("invalid-json", e.getOriginalMessage(), field));
  }

  @ServerExceptionMapper
  public Response invalid(ConstraintViolationException e) {
    var violation = e.getConstraintViolations().iterator().next();
    String path = violation.getPropertyPath().toString();
    String field = path.contains(".") ? path.substring(path.lastIndexOf('.') + 1) : path;
    return respond(
        400, new ApiError("invalid-request", field + " " + violation.getMessage(), field));
  }

  @ServerExceptionMapper
  public Response web(WebApplicationException e) {
    int status = e.getResponse().getStatus();
    return respond(status, new ApiError("http-" + status, e.getMessage(), null));
  }

  @ServerExceptionMapper
  public Response unexpected(RuntimeException e) {
    LOG.error("unexpected error in REST call", e);
    return respond(500, new ApiError("internal", "internal error; see the coordinator log", null));
  }

  private static Response respond(int status, ApiError body) {
    return Response.status(status).type(MediaType.APPLICATION_JSON).entity(body).build();
  }
}
